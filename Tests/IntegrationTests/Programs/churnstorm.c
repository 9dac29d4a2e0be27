// Fixture: keeps K MiB at keep_site, then maps, touches and unmaps as fast as it can for S seconds,
// in one of two ways: "self" (churn_self: the thread frees the pages it just touched) or "pair"
// (churn_pair: two mappings touched one after the other, then both unmapped, so the first run is
// sent before its release) or "cross" (toucher_fill in one thread, munmap in another).
// Built with: gcc -O1 -g -fno-omit-frame-pointer -pthread
//
//   churnstorm MODE SECONDS PAGES KEEP_MIB
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define SLOTS 64

static double end_time;
static size_t churn_bytes;
static void *volatile slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile char *map_anon(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    return p;
}

__attribute__((noinline)) void touch_pages(volatile char *p, size_t size) {
    for (size_t off = 0; off < size; off += PAGE) p[off] = 1;
}

// The leak: kept until exit.
__attribute__((noinline)) void keep_site(size_t size) { touch_pages(map_anon(size), size); }

__attribute__((noinline)) void churn_self(void) {
    volatile char *p = map_anon(churn_bytes);
    touch_pages(p, churn_bytes);
    munmap((void *)p, churn_bytes);
}

__attribute__((noinline)) void churn_pair(void) {
    volatile char *a = map_anon(churn_bytes), *b = map_anon(churn_bytes);
    touch_pages(a, churn_bytes);
    touch_pages(b, churn_bytes);
    munmap((void *)a, churn_bytes);
    munmap((void *)b, churn_bytes);
}

__attribute__((noinline)) void toucher_fill(long i) {
    volatile char *p = map_anon(churn_bytes);
    touch_pages(p, churn_bytes);
    pthread_mutex_lock(&lock);
    void *old = slots[i % SLOTS];
    if (!old) slots[i % SLOTS] = (void *)p;
    pthread_mutex_unlock(&lock);
    if (old) munmap((void *)p, churn_bytes);  // the reaper is behind: free it here
}

static void *producer(void *arg) {
    for (long i = 0; now() < end_time; i++) toucher_fill(i);
    return arg;
}

static void *reaper(void *arg) {
    while (now() < end_time) {
        for (int i = 0; i < SLOTS; i++) {
            pthread_mutex_lock(&lock);
            void *p = slots[i];
            slots[i] = NULL;
            pthread_mutex_unlock(&lock);
            if (p) munmap(p, churn_bytes);
        }
    }
    return arg;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: churnstorm self|pair|cross SECONDS PAGES KEEP_MIB\n"); return 2; }
    const char *mode = argv[1];
    churn_bytes = (size_t)atoi(argv[3]) * PAGE;
    printf("ready %d\n", getpid());
    fflush(stdout);
    keep_site((size_t)atoi(argv[4]) << 20);
    end_time = now() + atof(argv[2]);
    long n = 0;
    if (strcmp(mode, "cross") == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, producer, NULL);
        pthread_create(&b, NULL, reaper, NULL);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        for (int i = 0; i < SLOTS; i++) if (slots[i]) munmap(slots[i], churn_bytes);
    } else {
        void (*churn)(void) = strcmp(mode, "pair") == 0 ? churn_pair : churn_self;
        for (; now() < end_time; n++) churn();
    }
    printf("churned %ld\n", n);
    fflush(stdout);
    return 0;
}

// Fixture for memhound's integration tests: grows anonymous memory at known call sites by known amounts.
// Built with: gcc -O1 -g -fno-omit-frame-pointer -fno-inline -o leaker leaker.c
//
//   leaker [--delay-ms D] [--wait-stdin] [--steps N] [--step-mib M] [--step-ms T] [--churn-mib C]
//          [--heap-mib H] [--big-mib B] [--fork] [--child-mib K] [--then sleep|exit] [--exit-code X] [--quiet]
//
// Prints "ready <pid>" first (and "child <pid>" with --fork), then waits D ms (and for a line on stdin
// with --wait-stdin), then per step: grow_cache(M MiB) kept, churn_buffer(C MiB) mapped, touched, unmapped;
// sleeps T ms between steps. heap_leak(H MiB) keeps malloc'd 64 KiB blocks. big_block(B MiB) mallocs one block
// (above the mmap threshold) and fills it with memset (a frameless libc leaf). Then sleeps forever or exits X.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define MIB (1024L * 1024L)

static void *volatile kept[4096];
static int kept_count;

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {}
}

static void *map_anon(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    return p;
}

// The leak: mapped, every page written here, never released.
__attribute__((noinline)) void grow_cache(size_t size) {
    volatile char *p = map_anon(size);
    for (size_t off = 0; off < size; off += PAGE) p[off] = 1;
    if (kept_count < 4096) kept[kept_count++] = (void *)p;
}

// Churn: mapped, every page written here, unmapped again (nets to zero).
__attribute__((noinline)) void churn_buffer(size_t size) {
    volatile char *p = map_anon(size);
    for (size_t off = 0; off < size; off += PAGE) p[off] = 2;
    if (munmap((void *)p, size) != 0) { perror("munmap"); exit(2); }
}

// Heap leak: 64 KiB malloc blocks, each page written by this loop, kept.
__attribute__((noinline)) void heap_leak(size_t size) {
    for (size_t done = 0; done < size; done += 64 * 1024) {
        volatile char *b = malloc(64 * 1024);
        if (!b) { perror("malloc"); exit(2); }
        for (size_t off = 0; off < 64 * 1024; off += PAGE) b[off] = 3;
        if (kept_count < 4096) kept[kept_count++] = (void *)b;
    }
}

// One large malloc block (its own mapping, made by malloc), every page written by memset, kept.
__attribute__((noinline)) void big_block(size_t size) {
    char *b = malloc(size);
    if (!b) { perror("malloc"); exit(2); }
    memset(b, 5, size);  // not 0: malloc + memset(0) may become calloc
    if (kept_count < 4096) kept[kept_count++] = (void *)b;
}

// What a forked child grows.
__attribute__((noinline)) void child_grow(size_t size) {
    volatile char *p = map_anon(size);
    for (size_t off = 0; off < size; off += PAGE) p[off] = 4;
    if (kept_count < 4096) kept[kept_count++] = (void *)p;
}

static long arg_long(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) { fprintf(stderr, "leaker: %s needs a value\n", argv[*i]); exit(2); }
    return strtol(argv[++*i], NULL, 10);
}

int main(int argc, char **argv) {
    long delay_ms = 0, steps = 12, step_mib = 4, step_ms = 100, churn_mib = 0, heap_mib = 0, big_mib = 0, child_mib = 16;
    long exit_code = 0;
    int wait_stdin = 0, do_fork = 0, then_sleep = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--delay-ms")) delay_ms = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--steps")) steps = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--step-mib")) step_mib = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--step-ms")) step_ms = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--churn-mib")) churn_mib = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--heap-mib")) heap_mib = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--big-mib")) big_mib = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--child-mib")) child_mib = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--exit-code")) exit_code = arg_long(argc, argv, &i);
        else if (!strcmp(a, "--wait-stdin")) wait_stdin = 1;
        else if (!strcmp(a, "--fork")) do_fork = 1;
        else if (!strcmp(a, "--quiet")) quiet = 1;
        else if (!strcmp(a, "--then") && i + 1 < argc) then_sleep = !strcmp(argv[++i], "sleep");
        else { fprintf(stderr, "leaker: unknown argument %s\n", a); return 2; }
    }
    if (!quiet) { printf("ready %d\n", (int)getpid()); fflush(stdout); }
    if (delay_ms > 0) sleep_ms(delay_ms);
    if (wait_stdin) {
        char line[64];
        if (!fgets(line, sizeof line, stdin)) return 2;
    }

    pid_t child = -1;
    if (do_fork) {
        child = fork();
        if (child < 0) { perror("fork"); return 2; }
        if (child == 0) {
            child_grow((size_t)child_mib * MIB);
            sleep_ms(300);
            if (then_sleep) for (;;) pause();
            _exit(0);
        }
        if (!quiet) { printf("child %d\n", (int)child); fflush(stdout); }
    }

    for (long s = 0; s < steps; s++) {
        if (step_mib > 0) grow_cache((size_t)step_mib * MIB);
        if (churn_mib > 0) churn_buffer((size_t)churn_mib * MIB);
        if (step_ms > 0 && s + 1 < steps) sleep_ms(step_ms);
    }
    if (heap_mib > 0) heap_leak((size_t)heap_mib * MIB);
    if (big_mib > 0) big_block((size_t)big_mib * MIB);
    if (!quiet) { printf("grown\n"); fflush(stdout); }

    if (then_sleep) for (;;) pause();
    if (child > 0) waitpid(child, NULL, 0);
    return (int)exit_code;
}

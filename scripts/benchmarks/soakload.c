/*
 * Workload for the soak run (scripts/soak): everything a long-running service
 * does to its anonymous memory, at a steady pace, for as long as it runs.
 *   - slow_leak: keeps 256 KiB every second (the figure the reports must name);
 *   - churn_own: maps, touches and unmaps 64 KiB, 500 times a second;
 *   - churn_heap: malloc and free of 64 B to 256 KiB, 5,000 times a second;
 *   - churn_cross: one thread touches 64 KiB regions, another unmaps them;
 *   - short_child: a child every 200 ms that touches 1 MiB and exits.
 *
 *   soakload [seconds]     prints "ready <pid>", then "leaked <bytes>" at the end
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIB 1024UL
#define SLOTS 32

static double end_time;
static void *volatile slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long leaked;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void pause_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&t, NULL);
}

static volatile char *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(2); }
	return p;
}

static __attribute__((noinline)) void touch(volatile char *p, size_t size)
{
	for (size_t off = 0; off < size; off += 4096) p[off] = 1;
}

static __attribute__((noinline)) void slow_leak(void)
{
	touch(map_anon(256 * KIB), 256 * KIB);
	leaked += 256 * KIB;
}

static __attribute__((noinline)) void churn_own(void)
{
	volatile char *p = map_anon(64 * KIB);
	touch(p, 64 * KIB);
	munmap((void *)p, 64 * KIB);
}

static __attribute__((noinline)) void churn_heap(unsigned *seed)
{
	size_t size = 64 + rand_r(seed) % (256 * KIB);
	char *p = malloc(size);
	if (p) { memset(p, 1, size); free(p); }
}

static void *own_thread(void *arg)
{
	while (now() < end_time) { churn_own(); pause_us(2000); }
	return arg;
}

static void *heap_thread(void *arg)
{
	unsigned seed = 7;
	while (now() < end_time) { for (int i = 0; i < 5; i++) churn_heap(&seed); pause_us(1000); }
	return arg;
}

static __attribute__((noinline)) void cross_fill(long i)
{
	volatile char *p = map_anon(64 * KIB);
	touch(p, 64 * KIB);
	pthread_mutex_lock(&lock);
	void *old = slots[i % SLOTS];
	if (!old) slots[i % SLOTS] = (void *)p;
	pthread_mutex_unlock(&lock);
	if (old) munmap((void *)p, 64 * KIB);
}

static void *cross_producer(void *arg)
{
	for (long i = 0; now() < end_time; i++) { cross_fill(i); pause_us(2000); }
	return arg;
}

static void *cross_reaper(void *arg)
{
	while (now() < end_time) {
		for (int i = 0; i < SLOTS; i++) {
			pthread_mutex_lock(&lock);
			void *p = slots[i];
			slots[i] = NULL;
			pthread_mutex_unlock(&lock);
			if (p) munmap(p, 64 * KIB);
		}
		pause_us(5000);
	}
	return arg;
}

static __attribute__((noinline)) void short_child(void)
{
	touch(map_anon(1024 * KIB), 1024 * KIB);
	_exit(0);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 60;
	pthread_t threads[4];
	double next_leak, next_child;

	printf("ready %d\n", getpid());
	fflush(stdout);
	end_time = now() + seconds;
	pthread_create(&threads[0], NULL, own_thread, NULL);
	pthread_create(&threads[1], NULL, heap_thread, NULL);
	pthread_create(&threads[2], NULL, cross_producer, NULL);
	pthread_create(&threads[3], NULL, cross_reaper, NULL);
	next_leak = next_child = now();
	while (now() < end_time) {
		if (now() >= next_leak) { slow_leak(); next_leak += 1; }
		if (now() >= next_child) {
			pid_t child = fork();
			if (child == 0) short_child();
			next_child += 0.2;
		}
		while (waitpid(-1, NULL, WNOHANG) > 0) {}
		pause_us(10000);
	}
	for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
	for (int i = 0; i < SLOTS; i++) if (slots[i]) munmap(slots[i], 64 * KIB);
	while (waitpid(-1, NULL, 0) > 0) {}
	printf("leaked %lu\n", leaked);
	fflush(stdout);
	return 0;
}

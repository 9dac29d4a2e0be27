/*
 * Workload for the watch-mode soak run (scripts/soak-watch): process churn in a
 * cgroup, with a long-lived leaker beside it.
 *   - leak: keeps 256 KiB every second in slow_leak, for the run;
 *   - spawn: starts CHILDREN short-lived processes evenly over the run. Child i
 *     touches 256 KiB to 1 MiB through a recursion of depth 1 + i % 16 ending in
 *     one of 256 generated functions (grow_0 .. grow_255, chosen by i / 16), so
 *     the children's growth comes from 4,096 distinct stacks; every fourth child
 *     execs this program again (--child i) before touching, every 64th stays 3 s
 *     (so that periodic reports see it), then exits.
 *
 *   watchload --leak SECONDS       prints "ready <pid>", "leaked <bytes>" at the end,
 *                                  then waits to be killed (its memory still held)
 *   watchload --spawn SECONDS CHILDREN
 *                                  prints "ready <pid>", then "started <n> forked <f> execed <e>"
 *   watchload --child I            one child's work (what the exec'd children run)
 *
 * Build with -O2 -fno-omit-frame-pointer.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIB 1024UL
#define DEPTHS 16
#define GROWERS 256

static volatile unsigned long sink;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void pause_s(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
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

static __attribute__((noinline)) void slow_leak(unsigned long *leaked)
{
	touch(map_anon(256 * KIB), 256 * KIB);
	*leaked += 256 * KIB;
}

/* 256 functions that differ in a constant, so they are not folded, and do work after
 * touching, so they stay on the stack (no tail call). */
#define GROWER(n) \
	static __attribute__((noinline)) void grow_##n(volatile char *p, size_t size) \
	{ touch(p, size); sink += n; }
#define GROWERS_16(h) GROWER(h##0) GROWER(h##1) GROWER(h##2) GROWER(h##3) GROWER(h##4) \
	GROWER(h##5) GROWER(h##6) GROWER(h##7) GROWER(h##8) GROWER(h##9) GROWER(h##a) \
	GROWER(h##b) GROWER(h##c) GROWER(h##d) GROWER(h##e) GROWER(h##f)
GROWERS_16(0x0) GROWERS_16(0x1) GROWERS_16(0x2) GROWERS_16(0x3) GROWERS_16(0x4) GROWERS_16(0x5)
GROWERS_16(0x6) GROWERS_16(0x7) GROWERS_16(0x8) GROWERS_16(0x9) GROWERS_16(0xa) GROWERS_16(0xb)
GROWERS_16(0xc) GROWERS_16(0xd) GROWERS_16(0xe) GROWERS_16(0xf)

#define REF(n) grow_##n,
#define REFS_16(h) REF(h##0) REF(h##1) REF(h##2) REF(h##3) REF(h##4) REF(h##5) REF(h##6) \
	REF(h##7) REF(h##8) REF(h##9) REF(h##a) REF(h##b) REF(h##c) REF(h##d) REF(h##e) REF(h##f)
static void (*const growers[GROWERS])(volatile char *, size_t) = {
	REFS_16(0x0) REFS_16(0x1) REFS_16(0x2) REFS_16(0x3) REFS_16(0x4) REFS_16(0x5)
	REFS_16(0x6) REFS_16(0x7) REFS_16(0x8) REFS_16(0x9) REFS_16(0xa) REFS_16(0xb)
	REFS_16(0xc) REFS_16(0xd) REFS_16(0xe) REFS_16(0xf)
};

static __attribute__((noinline)) void descend(int depth, int grower, volatile char *p, size_t size)
{
	if (depth > 0)
		descend(depth - 1, grower, p, size);
	else
		growers[grower](p, size);
	sink += depth;
}

static __attribute__((noinline, noreturn)) void child_work(long i)
{
	size_t size = 256 * KIB * (1 + i % 4);

	descend(1 + i % DEPTHS, (i / DEPTHS) % GROWERS, map_anon(size), size);
	if (i % 64 == 0)
		pause_s(3);
	_exit(0);
}

static __attribute__((noreturn)) void leak(double seconds)
{
	unsigned long leaked = 0;
	double end = now() + seconds, next = now();

	printf("ready %d\n", getpid());
	fflush(stdout);
	while (now() < end) {
		if (now() >= next) { slow_leak(&leaked); next += 1; }
		pause_s(0.05);
	}
	printf("leaked %lu\n", leaked);
	fflush(stdout);
	for (;;)
		pause();
}

static int spawn(const char *self, double seconds, long children)
{
	double start = now(), step = seconds / (children > 0 ? children : 1);
	long started = 0, forked = 0, execed = 0;
	char index[32];

	printf("ready %d\n", getpid());
	fflush(stdout);
	while (started < children && now() < start + seconds + 5) {
		double wait = start + started * step - now();
		pid_t pid;

		while (waitpid(-1, NULL, WNOHANG) > 0) {}
		if (wait > 0) {
			pause_s(wait < 0.01 ? wait : 0.01);
			continue;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			pause_s(0.01);
			continue;
		}
		if (pid == 0) {
			if (started % 4 == 0) {
				snprintf(index, sizeof index, "%ld", started);
				execl(self, "watchload", "--child", index, (char *)NULL);
				_exit(127);
			}
			child_work(started);
		}
		if (started++ % 4 == 0) execed++; else forked++;
	}
	while (waitpid(-1, NULL, 0) > 0) {}
	printf("started %ld forked %ld execed %ld\n", started, forked, execed);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--child"))
		child_work(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "--leak"))
		leak(atof(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "--spawn"))
		return spawn("/proc/self/exe", atof(argv[2]), atol(argv[3]));
	fprintf(stderr, "usage: watchload --leak SECONDS | --spawn SECONDS CHILDREN | --child I\n");
	return 2;
}

// Fixture for memhound's integration tests: 4096 distinct call paths, each touching pages of its own.
// path(n) goes through three of sixteen functions chosen by the base-16 digits of n, then fill() and touch(); so the
// 4096 user stacks differ in their frames. With 16384 buckets in the kernel's stack table, a few hundred of
// them land in a bucket another stack holds: memhound must still give each its own frames.
// Built with: gcc -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o manysites manysites.c
//
//   manysites [pages-per-path [pause-us [keep-every]]]
//
// Prints "ready <pid>", maps 4096 x pages-per-path (default 2) pages and fills them path by path (pausing
// pause-us microseconds after each, default 0); path n keeps its pages when n % keep-every == 0 (default 1:
// all) and gives them back at once (MADV_DONTNEED) otherwise; prints "grown <bytes kept>" and exits 0.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL
#define PATHS 4096UL
#define KEEP() __asm__ volatile("" ::: "memory")

static char *next;
static volatile unsigned long last_step; /* makes each step's code its own: no identical-code folding */
static unsigned long pages_per_path = 2;

static __attribute__((noinline)) void touch(char *page)
{
	*(volatile char *)page = 1;
	KEEP();
}

/*
 * Calls touch(), so it keeps a frame: the frameless touch() is then the only
 * frame missing from the kernel's walk, and the step that called fill() is in it.
 */
static __attribute__((noinline)) void fill(void)
{
	for (unsigned long i = 0; i < pages_per_path; i++, next += PAGE)
		touch(next);
	KEEP();
}

typedef void (*step_fn)(unsigned long path, int depth);
static step_fn steps[16];

/* Not a tail call: each level keeps its frame, so the stack spells the path. */
#define STEP(k)                                                                   \
	static __attribute__((noinline)) void step##k(unsigned long path, int depth) \
	{                                                                         \
		last_step = k;                                                    \
		if (depth == 0)                                                   \
			fill();                                                   \
		else                                                              \
			steps[path & 15](path >> 4, depth - 1);                   \
		KEEP();                                                           \
	}
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)

int main(int argc, char **argv)
{
	step_fn all[16] = { step0, step1, step2, step3, step4, step5, step6, step7,
			    step8, step9, step10, step11, step12, step13, step14, step15 };
	unsigned long bytes, pause_us = 0, keep_every = 1, kept = 0;
	char *arena;

	if (argc > 1)
		pages_per_path = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		pause_us = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		keep_every = strtoul(argv[3], NULL, 10);
	if (pages_per_path == 0 || keep_every == 0)
		return 2;
	for (int i = 0; i < 16; i++)
		steps[i] = all[i];
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	bytes = PATHS * pages_per_path * PAGE;
	arena = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	next = arena;
	for (unsigned long n = 0; n < PATHS; n++) {
		char *first = next;

		steps[n % 16](n / 16, 2);
		if (n % keep_every)
			madvise(first, pages_per_path * PAGE, MADV_DONTNEED);
		else
			kept += pages_per_path * PAGE;
		if (pause_us)
			usleep(pause_us);
	}
	printf("grown %lu\n", kept);
	return 0;
}

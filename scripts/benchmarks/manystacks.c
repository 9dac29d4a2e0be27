/*
 * Workload for the bounded-tables benchmark: a process whose call stacks never
 * repeat. Step n calls through `depth` of 16 functions chosen by the base-16
 * digits of n, so every step has a stack of its own (16^depth of them), and
 * touches one new page of a 64 MiB arena there; a full arena is given back
 * (MADV_DONTNEED) and filled again, so RSS stays flat while distinct stacks grow
 * without end.
 *
 *   manystacks [seconds] [depth]    prints "steps N distinct-stacks M pages-touched P"
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define ARENA (64UL << 20)
#define PAGE 4096UL

static char *arena;
static unsigned long next_page, touched;

static __attribute__((noinline)) void touch(void)
{
	if (next_page * PAGE == ARENA) {
		madvise(arena, ARENA, MADV_DONTNEED);
		next_page = 0;
	}
	arena[next_page++ * PAGE] = 1;
	touched++;
}

typedef void (*step_fn)(unsigned long path, int depth);
static step_fn steps[16];

/* Not a tail call: each level keeps its frame, so the stack spells the path. */
#define STEP(k)                                                                  \
	static __attribute__((noinline)) void step##k(unsigned long path, int depth) \
	{                                                                        \
		if (depth == 0)                                                  \
			touch();                                                 \
		else                                                             \
			steps[path & 15](path >> 4, depth - 1);                  \
		__asm__ volatile("" ::: "memory");                               \
	}
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 60;
	int depth = argc > 2 ? atoi(argv[2]) : 5;
	unsigned long n = 0, paths = 1UL << (4 * depth);
	struct timespec start, now;
	step_fn all[16] = { step0, step1, step2, step3, step4, step5, step6, step7,
			    step8, step9, step10, step11, step12, step13, step14, step15 };

	for (int i = 0; i < 16; i++)
		steps[i] = all[i];
	arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		steps[n % 16]((n / 16) % paths, depth);
		if (++n % 4096 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds)
				break;
		}
	}
	printf("steps %lu distinct-stacks %lu pages-touched %lu\n", n, n < 16 * paths ? n : 16 * paths, touched);
	return 0;
}

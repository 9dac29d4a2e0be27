/* mmap one anonymous page, touch it, munmap it; N times as fast as possible.
 * Prints the pairs per second it reached. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static void map_touch_unmap(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		exit(1);
	p[0] = 1;
	munmap(p, 4096);
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 500000;
	double t0 = now(), t;

	for (long i = 0; i < pairs; i++)
		map_touch_unmap();
	t = now() - t0;
	printf("%ld pairs in %.3f s: %.0f pairs/s\n", pairs, t, pairs / t);
	return 0;
}

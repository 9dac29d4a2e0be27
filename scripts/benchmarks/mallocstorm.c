/*
 * Small-malloc storm: malloc of 64 to 1024 bytes (sizes vary), each object written
 * whole, as fast as it can, so that the heap grows and its fresh pages fault in,
 * mostly inside glibc's allocator and memset. A round keeps MIB MiB of objects,
 * then frees them all and gives the heap back (malloc_trim), so the next round
 * faults fresh pages again. Built with plain -O2: no frame pointers.
 *
 *   mallocstorm [MIB] [ROUNDS]     1024 MiB, 2 rounds by default; prints
 *   "N allocs (M MiB) in R rounds, F faults in T s: A allocs/s, B faults/s, C MiB/s, D ns/alloc"
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct object {
	struct object *next;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static long minor_faults(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return u.ru_minflt;
}

/* 64 to 1024 bytes, from a xorshift generator (the same sequence every run). */
static inline size_t next_size(unsigned long *state)
{
	unsigned long x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return 64 + x % 961;
}

/* One object, written whole (memset of a varying size: a call into glibc). */
__attribute__((noinline)) static struct object *keep_object(size_t size, struct object *next)
{
	struct object *o = malloc(size);

	if (!o)
		exit(1);
	memset(o, (int)size, size);
	o->next = next;
	return o;
}

__attribute__((noinline)) static unsigned long storm_round(size_t bytes, unsigned long *state,
							   unsigned long *allocs)
{
	struct object *list = NULL;
	unsigned long kept = 0;

	while (kept < bytes) {
		size_t size = next_size(state);

		list = keep_object(size, list);
		kept += size;
		(*allocs)++;
	}
	while (list) {
		struct object *next = list->next;

		free(list);
		list = next;
	}
	malloc_trim(0);
	return kept;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	int rounds = argc > 2 ? atoi(argv[2]) : 2;
	unsigned long state = 88172645463325252UL, allocs = 0, bytes = 0;
	long faults0 = minor_faults(), faults;
	double t0 = now(), t;

	for (int r = 0; r < rounds; r++)
		bytes += storm_round((size_t)mib << 20, &state, &allocs);
	t = now() - t0;
	faults = minor_faults() - faults0;
	printf("%lu allocs (%.0f MiB) in %d rounds, %ld faults in %.3f s: %.0f allocs/s, %.0f faults/s, "
	       "%.1f MiB/s, %.1f ns/alloc\n",
	       allocs, bytes / 1048576.0, rounds, faults, t, allocs / t, faults / t, bytes / 1048576.0 / t,
	       t * 1e9 / allocs);
	return 0;
}

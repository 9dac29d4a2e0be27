/* The built-in workload of `memhound demo`: one call site that keeps what it
 * maps (a cache that never shrinks) and one that maps, uses and unmaps. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memhound_demo.h"

/* Grows by `bytes` of anonymous memory that is touched and never released. */
__attribute__((noinline)) int memhound_demo_cache_grow(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = (char)i;
	return 0;
}

/* Maps `bytes`, touches them and unmaps them again: nets to zero. */
__attribute__((noinline)) int memhound_demo_scratch_churn(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = (char)(i >> 12);
	return munmap(p, bytes);
}

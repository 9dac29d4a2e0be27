/*
 * The built-in demo's workload (memhound demo): known growth at known call sites.
 */
#ifndef MEMHOUND_DEMO_H
#define MEMHOUND_DEMO_H

#include <stddef.h>

/* ---- built-in demo workload ----------------------------------------- */

int memhound_demo_cache_grow(size_t bytes);
int memhound_demo_scratch_churn(size_t bytes);

#endif /* MEMHOUND_DEMO_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The address space's ANON counter, summed as the kernel sums it: the shared
 * count plus every CPU's batch, read through per-CPU offsets learnt at run time.
 */
#ifndef MEMHOUND_COUNTERS_BPF_H
#define MEMHOUND_COUNTERS_BPF_H

#include "state.bpf.h"

/*
 * Each CPU's per-CPU offset (the kernel's __per_cpu_offset), learnt from a
 * per-CPU array of our own: its element's per-CPU address is in the map
 * (bpf_array.pptrs[0]) and a lookup for a CPU returns that address plus the
 * CPU's offset. (This kernel has no data symbols for __ksym and no percpu
 * BTF tags, so neither the kernel's table nor bpf_per_cpu_ptr can be used.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_probe SEC(".maps");

#define MAX_CPUS 4096

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_CPUS);
	__type(key, __u32);
	__type(value, __u64); /* offset + 1; 0: not learnt yet */
} cpu_offsets SEC(".maps");

/*
 * Addresses as numbers: the verifier allows no arithmetic on map pointers, so
 * they are stored here and read back.
 */
struct probe_addresses {
	__u64 map;     /* cpu_probe's struct bpf_array */
	__u64 element; /* a CPU's copy of its element */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_addresses);
} cpu_probe_addresses SEC(".maps");

static __always_inline __u64 cpu_offset(__u32 cpu)
{
	struct probe_addresses *a;
	__u64 *known, base = 0, element;
	__u32 zero = 0;
	void *mine;

	known = bpf_map_lookup_elem(&cpu_offsets, &cpu);
	if (!known)
		return 0;
	if (*known)
		return *known - 1;
	a = bpf_map_lookup_elem(&cpu_probe_addresses, &zero);
	mine = bpf_map_lookup_percpu_elem(&cpu_probe, &zero, cpu);
	if (!a || !mine)
		return 0;
	*(void **)&a->map = (void *)&cpu_probe;
	*(void **)&a->element = mine;
	asm volatile("" ::: "memory");
	base = *(volatile __u64 *)&a->map + bpf_core_field_offset(struct bpf_array, pptrs);
	element = *(volatile __u64 *)&a->element;
	if (bpf_probe_read_kernel(&base, sizeof(base), (void *)base) || !base)
		return 0;
	*known = element - base + 1;
	return *known - 1;
}

struct counter_sum {
	__u64 counters; /* the per-CPU s32 counters' per-CPU address */
	__s64 sum;
};

static long add_cpu_counter(__u64 cpu, struct counter_sum *c)
{
	__u64 offset = cpu_offset(cpu);
	__s32 v = 0;

	if (!offset)
		return 1;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)(c->counters + offset));
	c->sum += v;
	return 0;
}

/*
 * The address space's ANON counter in bytes, as kmem:rss_stat reports it
 * (percpu_counter_sum_positive): the shared count plus every CPU's batch.
 */
static __always_inline __s64 counter_bytes(struct mm_struct *mm, int member)
{
	struct percpu_counter *fbc = &mm->rss_stat[member];
	struct counter_sum c = { .counters = (__u64)fbc->counters, .sum = fbc->count };

	bpf_loop(nr_cpus, add_cpu_counter, &c, 0);
	return c.sum > 0 ? c.sum * (__s64)PAGE_SIZE : 0;
}

static __always_inline __s64 anon_bytes(struct mm_struct *mm)
{
	return counter_bytes(mm, MM_ANONPAGES);
}

#endif /* MEMHOUND_COUNTERS_BPF_H */

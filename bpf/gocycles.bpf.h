/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go GC cycles of traced Go programs, counted without touching them: a uprobe
 * at the entry of the runtime's mark termination (once per completed cycle),
 * attached per binary by user space, which finds the function through the
 * binary's pclntab (stripped binaries keep it). A steeply rising count while
 * RSS stays flat is a GC near its memory limit (the gc_pressure alert).
 */
#ifndef MEMHOUND_GOCYCLES_BPF_H
#define MEMHOUND_GOCYCLES_BPF_H

#include "state.bpf.h"

/* Map `go_gc_cycles`: tgid -> completed GC cycles since memhound saw it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} go_gc_cycles SEC(".maps");

SEC("uprobe")
int on_go_gc_cycle(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n;

	if (!active_target(tgid))
		return 0;
	n = bpf_map_lookup_elem(&go_gc_cycles, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&go_gc_cycles, &tgid, &one, BPF_NOEXIST);
	return 0;
}

#endif /* MEMHOUND_GOCYCLES_BPF_H */

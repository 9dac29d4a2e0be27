// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Anonymous memory tracing for a set of target processes.
 *
 * The rss_stat tracepoint is the ground truth: it fires at every change of the
 * kernel's own ANON counter, whose value the program sums as the kernel does,
 * so every change is measured, whatever caused it (user fault, kernel-mode
 * fault in read(), MAP_POPULATE, THP). Growth is aggregated per user stack in
 * `stack_growth`; the fault address, when there is one, places the growth in a run
 * of pages so that later releases can be charged back to the stack that grew
 * them. Memory syscalls go through the ring buffer with their stacks.
 *
 * This file holds the hot path's programs (rss_stat, page faults); the rest
 * is in headers by job:
 *   growth.bpf.h     per-stack totals, page runs, fault slots
 *   counters.bpf.h   the ANON counter, summed as the kernel sums it
 *   walkproof.bpf.h  the user stack of a growth; table walks proven unchanged
 *   chain.bpf.h      frame-pointer chains proven unchanged
 *   unwind.bpf.h     user stacks unwound with tables
 *   stackid.bpf.h    stack ids that name exactly one stack
 *   syscalls.bpf.h   the memory syscalls' programs
 *   stackcopy.bpf.h  stack copies for unwinding in user space
 *   lifecycle.bpf.h  fork, exec, exit; the pid namespace iterator
 *   state.bpf.h      maps and per-thread state shared by all of them
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "growth.bpf.h"
#include "syscalls.bpf.h"
#include "lifecycle.bpf.h"
#include "gocycles.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Every change of an mm counter on the host: a raw (tp_btf) tracepoint, so
 * processes that are not targets cost a tgid lookup, not the record a classic
 * tracepoint builds (which sums the per-CPU counters under a lock); and runs
 * are skipped only while this same program runs on the CPU, not any program.
 */
SEC("tp_btf/rss_stat")
int BPF_PROG(on_rss_stat, struct mm_struct *mm, int member)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memhound_target *t;
	__u64 key = (__u64)mm;
	__s64 size, delta;

	if (member != MM_ANONPAGES)
		return 0;
	if (bpf_get_current_task_btf()->mm != mm) {
		record_foreign(mm);
		return 0;
	}
	t = active_target(tgid);
	if (!t)
		return 0;
	size = anon_bytes(mm);
	if (t->anon_bytes != size)
		t->anon_bytes = size;

	if (t->mm == key) {
		/* The hot path: the counter's last value lives beside the target. */
		delta = size - (__s64)__sync_lock_test_and_set(&t->last_anon, size);
	} else {
		/* First sight of this address space: remember whose it is, for changes from elsewhere. */
		struct mm_state fresh = { .tgid = tgid };

		if (bpf_map_update_elem(&mms, &key, &fresh, BPF_ANY)) {
			stat_add(MH_STAT_LOST_MM, 1);
			return 0;
		}
		t->mm = key;
		t->last_anon = size;
		/* A pre-existing address space: this first change has no known base. */
		if (!(t->flags & MH_TARGET_FRESH_MM)) {
			stat_add(MH_STAT_BASELINE, 1);
			return 0;
		}
		t->flags &= ~MH_TARGET_FRESH_MM;
		delta = size;
	}
	if (delta > 0)
		record_growth(ctx, tgid, delta);
	else if (delta < 0)
		record_release(t, -delta);
	return 0;
}

/*
 * Every fault on the host lands here: no target lookup, just a per-CPU store
 * that the ANON increment of a traced thread consumes (see take_fault_address).
 */
static __always_inline int on_fault(__u64 address)
{
	struct pending_fault *f;
	__u32 zero = 0;

	if (address > USER_ADDR_LIMIT)
		return 0;
	f = bpf_map_lookup_elem(&faults, &zero);
	if (f) {
		if (f->task) {
			f->older_task = f->task;
			f->older_addr = f->addr;
		}
		f->task = (__u64)bpf_get_current_task();
		f->addr = address;
	}
	return 0;
}

/*
 * Faults run for every process on the host: raw (tp_btf) tracepoints skip the
 * perf record a classic tracepoint builds before calling the program.
 */
SEC("tp_btf/page_fault_user")
int BPF_PROG(on_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return on_fault(address);
}

/* Faults taken by the kernel on user memory, e.g. read() into a fresh buffer. */
SEC("tp_btf/page_fault_kernel")
int BPF_PROG(on_page_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return on_fault(address);
}

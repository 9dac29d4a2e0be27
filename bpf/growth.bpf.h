/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where ANON growth goes: per-stack totals (`stack_growth`), and the thread's open run
 * of pages, which places the growth at addresses so that later releases can be
 * charged back to the stack that grew it. Fault addresses reach the ANON
 * increment through a per-CPU slot (on_fault).
 */
#ifndef MEMHOUND_GROWTH_BPF_H
#define MEMHOUND_GROWTH_BPF_H

#include "walkproof.bpf.h"
#include "counters.bpf.h"
#include "stackcopy.bpf.h"

/* Pages [start, end) became resident under `stack`: extend the open run or start one. */
static __always_inline void add_to_run(struct thread_state *ts, __u64 start, __u64 end,
				       const struct memhound_stack_key *key, __u64 leaf, __u32 flags)
{
	__u64 now;

	if (ts->run_end == start && ts->run_stack == key->stack_id && ts->run_flags == flags &&
	    end - ts->run_start <= MAX_RUN_BYTES) {
		ts->run_end = end;
		ts->run_faults++;
		return;
	}
	flush_run(ts);
	now = bpf_ktime_get_ns();
	ts->run_start = start;
	ts->run_end = end;
	ts->run_first_ns = now;
	ts->run_last_ns = now;
	ts->run_stack = key->stack_id;
	ts->run_leaf = leaf;
	ts->run_flags = flags;
	ts->run_faults = 1;
}


/* The fault of `task` in slot f, consumed; 0 if f holds none of it. */
static __always_inline __u64 take_from_slot(struct pending_fault *f, __u64 task)
{
	if (f->task == task) {
		f->task = 0;
		return f->addr;
	}
	if (f->older_task == task) {
		f->older_task = 0;
		return f->older_addr;
	}
	return 0;
}

struct fault_search {
	__u64 task;
	__u64 addr;
};

static long search_cpu_slot(__u64 cpu, struct fault_search *s)
{
	struct pending_fault *f;
	__u32 zero = 0;

	f = bpf_map_lookup_percpu_elem(&faults, &zero, cpu);
	if (f)
		s->addr = take_from_slot(f, s->task);
	return s->addr ? 1 : 0;
}

/*
 * The address of the fault this ANON increment belongs to, if any (consumed).
 * `anywhere`: it must come from a fault (no syscall is in progress), so a miss
 * on this CPU means the thread migrated: look at every CPU.
 */
static __always_inline __u64 take_fault_address(bool anywhere)
{
	struct fault_search s = { .task = (__u64)bpf_get_current_task() };
	struct pending_fault *f;
	__u32 zero = 0;

	f = bpf_map_lookup_elem(&faults, &zero);
	if (f)
		s.addr = take_from_slot(f, s.task);
	if (!s.addr && anywhere)
		bpf_loop(nr_cpus, search_cpu_slot, &s, 0);
	return s.addr;
}

/* Check mode (--check-unwind): copy sampled fault stacks so user space unwinds them too and compares. */
const volatile bool check_unwind = false;

static __always_inline void copy_for_check(__u32 tgid, __s32 stack_id)
{
	struct memhound_target *t;

	if (stack_id < 0 || !has_unwind_tables(tgid))
		return;
	t = bpf_map_lookup_elem(&targets, &tgid);
	if (t && take_copy_token(t, bpf_ktime_get_ns()))
		emit_stack_copy(0, MH_CHECK_COPY_KEY | (__u32)stack_id);
}

static __always_inline void record_growth(void *ctx, __u32 tgid, __u64 bytes)
{
	struct memhound_stack_key key = { .tgid = tgid };
	struct memhound_stack_growth *g, fresh = { .bytes = bytes, .increments = 1 };
	struct thread_state *ts = thread_state(true);
	__u64 start, leaf = 0, sp = 0, fault = take_fault_address(!ts || !ts->syscall), pages = bytes, unlocated;
	__u32 flags;

	/* The syscall's own delta is exact even when sampling. */
	if (ts && ts->syscall)
		ts->anon_delta += bytes;
	if (sample_every > 1 && ts) {
		/* Sampling: skip all but one increment in N; that one stands for N. */
		if (++ts->sample_tick < sample_every)
			return;
		ts->sample_tick = 0;
		bytes *= sample_every;
	}

	key.stack_id = current_stack(ctx, ts, &leaf, &sp);
	if (check_unwind)
		copy_for_check(tgid, key.stack_id);
	fresh.word_at_sp = leaf;
	/* No address, no run: no release can ever be charged against these bytes. */
	unlocated = ts && fault ? 0 : bytes;
	fresh.unlocated = unlocated;

	/* This CPU's copy: no other CPU writes it, and programs do not nest on a CPU here. */
	g = bpf_map_lookup_elem(&stack_growth, &key);
	if (g) {
		g->bytes += bytes;
		g->increments++;
		g->word_at_sp = leaf;
		g->unlocated += unlocated;
	} else if (bpf_map_update_elem(&stack_growth, &key, &fresh, BPF_NOEXIST)) {
		stat_add(MH_STAT_LOST_SITE, 1);
	}

	if (!ts || !fault)
		return;
	/* A fault maps a naturally aligned folio: 4 KiB, an mTHP size or 2 MiB. */
	if (pages & (pages - 1))
		start = fault & ~(PAGE_SIZE - 1);
	else
		start = fault & ~(pages - 1);
	flags = start + MH_STACK_TOUCH_RANGE > sp && start < sp + MH_STACK_TOUCH_RANGE ? MH_RUN_STACK : 0;
	add_to_run(ts, start, start + pages, &key, leaf, flags);
}

static __always_inline void record_release(struct memhound_target *t, __u64 bytes)
{
	struct thread_state *ts = thread_state(false);

	if (ts && ts->syscall)
		ts->anon_delta -= bytes;
	else
		__sync_fetch_and_add(&t->unscoped_release, bytes);
}

/* ANON change made outside the target's own threads (reclaim, khugepaged, exit). */
static __always_inline void record_foreign(struct mm_struct *mm)
{
	__u64 key = (__u64)mm;
	struct memhound_target *t;
	struct mm_state *state;
	__s64 size, delta;

	state = bpf_map_lookup_elem(&mms, &key);
	if (!state)
		return;
	t = bpf_map_lookup_elem(&targets, &state->tgid);
	if (!t || t->mm != key)
		return;
	size = anon_bytes(mm);
	delta = size - (__s64)__sync_lock_test_and_set(&t->last_anon, size);
	if (delta > 0)
		__sync_fetch_and_add(&t->foreign_growth, delta);
	else
		__sync_fetch_and_add(&t->foreign_release, -delta);
}

#endif /* MEMHOUND_GROWTH_BPF_H */

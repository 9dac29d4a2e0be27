/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The memory syscalls (mmap, munmap, mremap, brk, madvise, mprotect): their
 * arguments at entry, their ANON change and result at exit, one record each.
 */
#ifndef MEMHOUND_SYSCALLS_BPF_H
#define MEMHOUND_SYSCALLS_BPF_H

#include "growth.bpf.h"
#include "stackcopy.bpf.h"

/* uapi mman.h values (vmlinux.h has no macros). */
#define PROT_EXEC 0x4
#define MAP_SHARED 0x01
#define MAP_ANONYMOUS 0x20

/* Layout of the syscalls:sys_{enter,exit}_* tracepoint records. */
struct syscall_enter_args {
	__u64 common;
	__s32 nr;
	__u32 _pad;
	__u64 args[6];
};


struct syscall_exit_args {
	__u64 common;
	__s32 nr;
	__u32 _pad;
	__s64 ret;
};

/* mmap of private anonymous memory, growing brk, mremap: the calls that create regions. */
static __always_inline bool creates_region(__u32 which, struct syscall_enter_args *ctx)
{
	switch (which) {
	case MH_SYS_MMAP:
		return (ctx->args[3] & MAP_ANONYMOUS) && !(ctx->args[3] & MAP_SHARED);
	case MH_SYS_BRK:
		return ctx->args[0] != 0;
	case MH_SYS_MREMAP:
		return true;
	default:
		return false;
	}
}

/* MADV_DONTNEED, MADV_REMOVE, MADV_DONTNEED_LOCKED: pages go at once (not MADV_FREE). */
#define MADV_DONTNEED 4
#define MADV_REMOVE 9
#define MADV_DONTNEED_LOCKED 24

/* Whether the call being entered frees the thread's whole open run. */
static __always_inline bool frees_open_run(struct thread_state *ts, __u32 which)
{
	__u64 start = ts->args[0], end = start + ((ts->args[1] + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));

	if (!ts->run_end || ts->run_start < start || ts->run_end > end)
		return false;
	if (which == MH_SYS_MUNMAP)
		return true;
	return which == MH_SYS_MADVISE && (ts->args[2] == MADV_DONTNEED || ts->args[2] == MADV_REMOVE ||
					   ts->args[2] == MADV_DONTNEED_LOCKED);
}

/*
 * A thread that frees the pages it has just touched (mmap, touch, munmap;
 * free() trimming with madvise) would send a run only for its release to
 * cancel it. The kernel charges that release to the run's stack itself when
 * the call's measured ANON decrease covers the run; the run is never sent
 * and cannot be lost. Returns the bytes charged (not weighted by sampling).
 */
static __always_inline __u64 release_open_run(struct thread_state *ts)
{
	struct memhound_stack_growth *g;
	__u64 bytes;

	if (!ts->run_end || !ts->run_held)
		return 0;
	ts->run_held = 0;
	bytes = ts->run_end - ts->run_start;
	if (ts->anon_delta > 0 || (__u64)(-ts->anon_delta) < bytes)
		return 0;
	g = stack_growth_entry(ts->run_stack);
	if (!g)
		return 0;
	g->released += bytes * sample_every;
	ts->run_end = 0;
	return bytes;
}

/*
 * Reads only the call's `nargs` arguments: the kernel refuses to attach a
 * program that reads past the end of a tracepoint's record (EACCES).
 */
static __always_inline int syscall_enter(struct syscall_enter_args *ctx, __u32 which, int nargs)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memhound_target *t;
	struct thread_state *ts;
	__u64 sp;
	int i;

	t = active_target(tgid);
	if (!t)
		return 0;
	ts = thread_state(true);
	if (!ts)
		return 0;
	take_fault_address(false); /* a fault with no ANON increment must not be charged later */
	ts->syscall = which;
	for (i = 0; i < 6; i++)
		ts->args[i] = i < nargs ? ctx->args[i] : 0;
	/* The break before the call: a brk record handled out of order still says what it moved. */
	if (which == MH_SYS_BRK) {
		struct mm_struct *mm = bpf_get_current_task_btf()->mm;

		ts->args[1] = mm ? mm->brk : 0;
	}
	/* Pages this thread touched before the call are reported before it, unless it frees them. */
	if (frees_open_run(ts, which))
		ts->run_held = 1;
	else
		flush_run(ts);
	ts->enter_ns = bpf_ktime_get_ns();
	ts->anon_delta = 0;
	ts->syscall_stack = current_stack(ctx, ts, &ts->syscall_leaf, &sp);
	ts->copy_key = 0;
	/* A process with unwind tables has its whole stack already. */
	if ((t->flags & MH_TARGET_COPY_STACKS) && creates_region(which, ctx) &&
	    !bpf_map_lookup_elem(&no_stack_copies, &tgid) && !has_unwind_tables(tgid)) {
		__u8 seen = 1;

		/* One copy per call path: a storm of identical calls costs one unwind. */
		ts->copy_key = call_path_key(t->mm, ts->syscall_stack, sp);
		if (bpf_map_update_elem(&copied, &ts->copy_key, &seen, BPF_NOEXIST) == 0) {
			if (take_copy_token(t, ts->enter_ns)) {
				emit_stack_copy(ts->enter_ns, ts->copy_key);
			} else {
				/* No copy: the call keeps its frame-pointer stack; the path may be copied later. */
				bpf_map_delete_elem(&copied, &ts->copy_key);
				ts->copy_key = 0;
				stat_add(MH_STAT_STACK_COPY_SKIPPED, 1);
			}
		}
	}
	return 0;
}

static __always_inline void fill_syscall(struct memhound_syscall_record *r, struct thread_state *ts,
					 struct memhound_target *t, __u32 which, __s64 ret, __u64 kernel_released)
{
	int i;

	fill_header(&r->hdr, MH_RECORD_SYSCALL);
	r->syscall = which;
	r->stack_id = ts->syscall_stack;
	r->ret = ret;
	for (i = 0; i < 6; i++)
		r->args[i] = ts->args[i];
	r->enter_ns = ts->enter_ns;
	r->anon_delta = ts->anon_delta;
	r->anon_bytes = t->anon_bytes;
	r->word_at_sp = ts->syscall_leaf;
	r->copy_key = ts->copy_key;
	r->kernel_released = kernel_released;
}

static __always_inline int syscall_exit(struct syscall_exit_args *ctx, __u32 which)
{
	struct memhound_syscall_record *r;
	struct memhound_target *t;
	struct thread_state *ts;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 kernel_released;

	t = active_target(tgid);
	if (!t)
		return 0;
	ts = thread_state(false);
	if (!ts || ts->syscall != which)
		return 0;
	ts->syscall = 0;
	kernel_released = release_open_run(ts);
	/* Runs started inside the call (MAP_POPULATE has none, read() faults do) go first. */
	flush_run(ts);

	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (r) {
		fill_syscall(r, ts, t, which, ctx->ret, kernel_released);
		/*
		 * Code mapped (PROT_EXEC): wake user space now, so it reads the process's
		 * maps and opens the new file while the process still exists.
		 */
		if (which == MH_SYS_MMAP && (ts->args[2] & PROT_EXEC) && ctx->ret >= 0)
			bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
		else
			bpf_ringbuf_submit(r, wakeup_flags());
		return 0;
	}
	r = overflow_slot();
	if (!r)
		return 0;
	fill_syscall(r, ts, t, which, ctx->ret, kernel_released);
	if (!overflow_keep(sizeof(*r))) {
		count_lost_record();
		/* What this call released that no stack was charged for. */
		if (ts->anon_delta < 0 && (__u64)(-ts->anon_delta) > kernel_released)
			__sync_fetch_and_add(&t->unseen_release, (__u64)(-ts->anon_delta) - kernel_released);
	}
	return 0;
}

#define MEMHOUND_SYSCALL(name, which, nargs)                                 \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int on_enter_##name(struct syscall_enter_args *ctx)                   \
	{ return syscall_enter(ctx, which, nargs); }                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int on_exit_##name(struct syscall_exit_args *ctx)                     \
	{ return syscall_exit(ctx, which); }

MEMHOUND_SYSCALL(mmap, MH_SYS_MMAP, 6)
MEMHOUND_SYSCALL(munmap, MH_SYS_MUNMAP, 2)
MEMHOUND_SYSCALL(mremap, MH_SYS_MREMAP, 5)
MEMHOUND_SYSCALL(brk, MH_SYS_BRK, 1)
MEMHOUND_SYSCALL(madvise, MH_SYS_MADVISE, 3)
MEMHOUND_SYSCALL(mprotect, MH_SYS_MPROTECT, 3)

#endif /* MEMHOUND_SYSCALLS_BPF_H */

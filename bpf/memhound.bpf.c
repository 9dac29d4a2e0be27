// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Anonymous memory tracing for a set of target processes.
 *
 * The rss_stat tracepoint is the ground truth: it fires at every change of the
 * kernel's own ANON counter, whose value the program sums as the kernel does,
 * so every change is measured, whatever caused it (user fault, kernel-mode
 * fault in read(), MAP_POPULATE, THP). Growth is aggregated per user stack in
 * `sites`; the fault address, when there is one, places the growth in a run
 * of pages so that later releases can be charged back to the stack that grew
 * them. Memory syscalls go through the ring buffer with their stacks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "chain.bpf.h"
#include "pidns.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

/* Layout of the exceptions:page_fault_{user,kernel} records. */
struct page_fault_args {
	__u64 common;
	__u64 address;
	__u64 ip;
	__u64 error_code;
};

struct syscall_exit_args {
	__u64 common;
	__s32 nr;
	__u32 _pad;
	__s64 ret;
};

/* ---- address-space changes ------------------------------------------- */

/* Pages [start, end) became resident under `stack`: extend the open run or start one. */
static __always_inline void add_to_run(struct thread_state *ts, __u64 start, __u64 end,
				       const struct memhound_site_key *site, __u64 leaf, __u32 flags)
{
	__u64 now;

	if (ts->run_end == start && ts->run_stack == site->stack_id && ts->run_flags == flags &&
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
	ts->run_stack = site->stack_id;
	ts->run_leaf = leaf;
	ts->run_flags = flags;
	ts->run_faults = 1;
}

/* Possible CPUs, set by the loader. */
const volatile __u32 nr_cpus = 1;

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

static __always_inline void record_growth(void *ctx, __u32 tgid, __u64 bytes)
{
	struct memhound_site_key key = { .tgid = tgid };
	struct memhound_site_growth *g, fresh = { .bytes = bytes, .increments = 1 };
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
	fresh.leaf_return = leaf;
	/* No address, no run: no release can ever be charged against these bytes. */
	unlocated = ts && fault ? 0 : bytes;
	fresh.unlocated = unlocated;

	/* This CPU's copy: no other CPU writes it, and programs do not nest on a CPU here. */
	g = bpf_map_lookup_elem(&sites, &key);
	if (g) {
		g->bytes += bytes;
		g->increments++;
		g->leaf_return = leaf;
		g->unlocated += unlocated;
	} else if (bpf_map_update_elem(&sites, &key, &fresh, BPF_NOEXIST)) {
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
static __always_inline __s64 anon_bytes(struct mm_struct *mm)
{
	struct percpu_counter *fbc = &mm->rss_stat[MM_ANONPAGES];
	struct counter_sum c = { .counters = (__u64)fbc->counters, .sum = fbc->count };

	bpf_loop(nr_cpus, add_cpu_counter, &c, 0);
	return c.sum > 0 ? c.sum * (__s64)PAGE_SIZE : 0;
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

/* ---- memory syscalls -------------------------------------------------- */

struct stack_end {
	__u64 end;
};

static long find_stack_end(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	((struct stack_end *)data)->end = vma->vm_end;
	return 0;
}

/*
 * Copies the user registers and the stack from sp to the end of its mapping
 * (at most MH_STACK_SNAPSHOT_MAX bytes), for unwinding code that keeps no
 * frame pointers. Only at calls that create regions, for processes that need it.
 */
static __always_inline void emit_stack_snapshot(__u64 enter_ns, __u64 key)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct stack_end stack = {};
	struct memhound_stack_record *r;
	__u32 zero = 0;
	__u64 sp, size = 0;

	r = bpf_map_lookup_elem(&snapshot_scratch, &zero);
	if (!r)
		return;
	fill_header(&r->hdr, MH_RECORD_USER_STACK);
	r->enter_ns = enter_ns;
	r->key = key;
	r->regs[0] = BPF_CORE_READ(regs, ax);
	r->regs[1] = BPF_CORE_READ(regs, dx);
	r->regs[2] = BPF_CORE_READ(regs, cx);
	r->regs[3] = BPF_CORE_READ(regs, bx);
	r->regs[4] = BPF_CORE_READ(regs, si);
	r->regs[5] = BPF_CORE_READ(regs, di);
	r->regs[6] = BPF_CORE_READ(regs, bp);
	r->regs[7] = BPF_CORE_READ(regs, sp);
	r->regs[8] = BPF_CORE_READ(regs, r8);
	r->regs[9] = BPF_CORE_READ(regs, r9);
	r->regs[10] = BPF_CORE_READ(regs, r10);
	r->regs[11] = BPF_CORE_READ(regs, r11);
	r->regs[12] = BPF_CORE_READ(regs, r12);
	r->regs[13] = BPF_CORE_READ(regs, r13);
	r->regs[14] = BPF_CORE_READ(regs, r14);
	r->regs[15] = BPF_CORE_READ(regs, r15);
	r->regs[16] = BPF_CORE_READ(regs, ip);
	sp = r->regs[7];
	/*
	 * bpf_find_vma only try-locks the address space and can fail (-EBUSY);
	 * without the stack's end, reads that run past it fail whole, so shrink.
	 */
	size = MH_STACK_SNAPSHOT_MAX;
	if (bpf_find_vma(task, sp, find_stack_end, &stack, 0) == 0 && stack.end > sp &&
	    stack.end - sp < MH_STACK_SNAPSHOT_MAX)
		size = stack.end - sp;
	for (int i = 0; i < 5; i++) {
		if (size > MH_STACK_SNAPSHOT_MAX)
			size = MH_STACK_SNAPSHOT_MAX;
		if (size && bpf_probe_read_user(r->data, size, (void *)sp) == 0)
			break;
		size >>= 1;
		if (i == 4)
			size = 0;
	}
	r->size = size;
	r->_pad = 0;
	if (bpf_ringbuf_output(&records, r, offsetof(struct memhound_stack_record, data) + size, 0)) {
		count_lost_record();
		bpf_map_delete_elem(&snapshotted, &key); /* copy it again next time */
	}
}

/*
 * A key for the call path of the current syscall: the address space, the
 * frame-pointer stack id and the 64 bytes at the user stack pointer (return
 * addresses of frameless callers live there). Code without frame pointers
 * makes the stack id alone ambiguous; the stack words tell callers apart.
 */
static __always_inline __u64 call_path_key(__u64 mm, __s32 stack_id, __u64 sp)
{
	__u64 words[8] = {}, h = 0xcbf29ce484222325ULL ^ mm ^ ((__u64)(__u32)stack_id << 32);

	bpf_probe_read_user(words, sizeof(words), (void *)sp);
	for (int i = 0; i < 8; i++)
		h = (h ^ words[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* Whether the target may copy a stack now (MH_SNAPSHOT_BURST, MH_SNAPSHOTS_PER_SECOND). */
static __always_inline bool take_snapshot_token(struct memhound_target *t, __u64 now)
{
	__u64 earned = (now - t->snapshot_refill_ns) / (1000000000ULL / MH_SNAPSHOTS_PER_SECOND);

	/* Threads race here; an extra or a missed copy now and then does no harm. */
	if (earned) {
		t->snapshot_tokens = t->snapshot_tokens + earned > MH_SNAPSHOT_BURST ? MH_SNAPSHOT_BURST
										: t->snapshot_tokens + earned;
		t->snapshot_refill_ns = now;
	}
	if (!t->snapshot_tokens)
		return false;
	t->snapshot_tokens--;
	return true;
}

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
	struct memhound_site_growth *g;
	__u64 bytes;

	if (!ts->run_end || !ts->run_held)
		return 0;
	ts->run_held = 0;
	bytes = ts->run_end - ts->run_start;
	if (ts->anon_delta > 0 || (__u64)(-ts->anon_delta) < bytes)
		return 0;
	g = site_entry(ts->run_stack);
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
	struct memhound_target *t;
	struct thread_state *ts;
	__u64 sp;
	int i;

	t = active_target(bpf_get_current_pid_tgid() >> 32);
	if (!t)
		return 0;
	ts = thread_state(true);
	if (!ts)
		return 0;
	take_fault_address(false); /* a fault with no ANON increment must not be charged later */
	ts->syscall = which;
	for (i = 0; i < 6; i++)
		ts->args[i] = i < nargs ? ctx->args[i] : 0;
	/* Pages this thread touched before the call are reported before it, unless it frees them. */
	if (frees_open_run(ts, which))
		ts->run_held = 1;
	else
		flush_run(ts);
	ts->enter_ns = bpf_ktime_get_ns();
	ts->anon_delta = 0;
	ts->syscall_stack = current_stack(ctx, ts, &ts->syscall_leaf, &sp);
	ts->snapshot_key = 0;
	if ((t->flags & MH_TARGET_SNAPSHOT_STACKS) && creates_region(which, ctx)) {
		__u8 seen = 1;

		/* One copy per call path: a storm of identical calls costs one unwind. */
		ts->snapshot_key = call_path_key(t->mm, ts->syscall_stack, sp);
		if (bpf_map_update_elem(&snapshotted, &ts->snapshot_key, &seen, BPF_NOEXIST) == 0) {
			if (take_snapshot_token(t, ts->enter_ns)) {
				emit_stack_snapshot(ts->enter_ns, ts->snapshot_key);
			} else {
				/* No copy: the call keeps its frame-pointer stack; the path may be copied later. */
				bpf_map_delete_elem(&snapshotted, &ts->snapshot_key);
				ts->snapshot_key = 0;
				stat_add(MH_STAT_SNAPSHOT_SKIPPED, 1);
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
	r->leaf_return = ts->syscall_leaf;
	r->snapshot_key = ts->snapshot_key;
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
		/* What this call released that no site was charged for. */
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

/* ---- process lifecycle ------------------------------------------------ */

static __always_inline void emit_process(__u32 event, __u32 tgid, __u32 parent,
					 __s32 exit_code, __u64 anon_bytes, __u32 nstgid)
{
	struct memhound_process_record *r;
	bool ring = true;

	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		ring = false;
		r = overflow_slot();
		if (!r)
			return;
	}
	fill_header(&r->hdr, MH_RECORD_PROCESS);
	r->hdr.tgid = tgid;
	r->event = event;
	r->parent_tgid = parent;
	r->exit_code = exit_code;
	r->ns_tgid = nstgid;
	r->anon_bytes = anon_bytes;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (ring)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	else if (!overflow_keep(sizeof(*r)))
		count_lost_record();
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct memhound_target fresh = { .state = MH_TARGET_ACTIVE };
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct memhound_target *p;
	struct mm_struct *mm;

	/* New threads share the target's tgid and are traced already. */
	if (!follow_children || ptgid == ctgid)
		return 0;
	p = active_target(ptgid);
	if (!p)
		return 0;
	fresh.flags = p->flags & MH_TARGET_SNAPSHOT_STACKS;
	if (bpf_map_update_elem(&targets, &ctgid, &fresh, BPF_NOEXIST)) {
		stat_add(MH_STAT_LOST_TARGET, 1);
		return 0;
	}
	/* The child's counter already holds what it shares with its parent: its growth counts from there. */
	mm = child->mm;
	emit_process(MH_PROCESS_FORK, ctgid, ptgid, 0, mm ? anon_bytes(mm) : 0, ns_tgid(child));
	return 0;
}

static long forget_site_of(struct bpf_map *map, struct memhound_site_key *key,
			   struct memhound_site_growth *growth, __u32 *tgid)
{
	if (key->tgid == *tgid)
		bpf_map_delete_elem(map, key);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memhound_target *t = bpf_map_lookup_elem(&targets, &tgid);

	if (!t || t->state == MH_TARGET_EXITED)
		return 0;
	/*
	 * A new program: its sites start empty, and so do the counters the old
	 * address space's teardown (just before this) went into. This runs before
	 * the new program's first instruction, so none of its growth is dropped.
	 */
	if (t->state == MH_TARGET_ACTIVE)
		bpf_for_each_map_elem(&sites, forget_site_of, &tgid, 0);
	t->foreign_growth = 0;
	t->foreign_release = 0;
	t->unscoped_release = 0;
	t->unseen_release = 0;
	t->state = MH_TARGET_ACTIVE;
	t->flags |= MH_TARGET_FRESH_MM;
	t->anon_bytes = 0;
	t->last_anon = 0;
	if (t->mm)
		bpf_map_delete_elem(&mms, &t->mm);
	t->mm = 0;
	emit_process(MH_PROCESS_EXEC, tgid, 0, 0, 0, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memhound_target *t = bpf_map_lookup_elem(&targets, &tgid);
	struct thread_state *ts;

	if (!t || t->state != MH_TARGET_ACTIVE)
		return 0;
	ts = thread_state(false);
	if (ts)
		flush_run(ts);
	if (!group_dead)
		return 0;
	emit_process(MH_PROCESS_EXIT, tgid, 0, BPF_CORE_READ(task, exit_code), t->anon_bytes, 0);
	if (t->mm)
		bpf_map_delete_elem(&mms, &t->mm);
	t->state = MH_TARGET_EXITED;
	return 0;
}

/* ---- pid namespaces ---------------------------------------------------- */

/*
 * Lists every process visible in the reader's pid namespace as a
 * memhound_pid_pair, learning that namespace first (the reader is memhound).
 */
SEC("iter/task")
int list_pids(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task, *me;
	struct memhound_pid_pair pair;
	struct pid *mine;

	if (!pidns_inum) {
		me = bpf_get_current_task_btf();
		mine = me->thread_pid;
		pidns_level = BPF_CORE_READ(mine, level);
		if (pidns_level > 32)
			return 0;
		pidns_inum = BPF_CORE_READ(&mine->numbers[pidns_level], ns, ns.inum);
	}
	if (!task || task->pid != task->tgid || (task->flags & PF_KTHREAD))
		return 0;
	pair.host_tgid = task->tgid;
	pair.ns_tgid = ns_tgid(task);
	if (pair.ns_tgid)
		bpf_seq_write(ctx->meta->seq, &pair, sizeof(pair));
	return 0;
}

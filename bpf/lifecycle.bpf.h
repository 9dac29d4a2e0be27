/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Process lifecycle: followed forks, exec (a new program starts with no stack growth),
 * exit (the final ANON count), and the pid namespace iterator.
 */
#ifndef MEMHOUND_LIFECYCLE_BPF_H
#define MEMHOUND_LIFECYCLE_BPF_H

#include "counters.bpf.h"
#include "pidns.bpf.h"
#include "watch.bpf.h"
#include "unwind.bpf.h"

/* A record about `task`, written in another task's context (fill_header names the current one). */
static __always_inline void fill_header_of(struct memhound_record_header *h, __u32 kind,
					   struct task_struct *task)
{
	h->kind = kind;
	h->tgid = task->tgid;
	h->tid = ns_tid(task);
	h->_pad = 0;
	h->time_ns = bpf_ktime_get_ns();
}

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
	if (ptgid == ctgid)
		return 0;
	p = follow_children ? active_target(ptgid) : NULL;
	if (p)
		fresh.flags = p->flags & MH_TARGET_COPY_STACKS;
	else if (watched(child))
		fresh.flags = MH_TARGET_COPY_STACKS; /* user space turns copies off for Go at exec */
	else
		return 0;
	if (bpf_map_update_elem(&targets, &ctgid, &fresh, BPF_NOEXIST)) {
		stat_add(MH_STAT_LOST_TARGET, 1);
		return 0;
	}
	if (p && bpf_map_lookup_elem(&no_stack_copies, &ptgid)) {
		__u8 off = 1;

		bpf_map_update_elem(&no_stack_copies, &ctgid, &off, BPF_ANY);
	}
	/* The child maps what its parent maps: it unwinds with the same tables from its first fault. */
	if (p) {
		struct memhound_unwind_maps *maps = bpf_map_lookup_elem(&unwind_mappings, &ptgid);

		if (maps)
			bpf_map_update_elem(&unwind_mappings, &ctgid, maps, BPF_ANY);
	}
	/* The child's counter already holds what it shares with its parent: its growth counts from there. */
	mm = child->mm;
	emit_process(MH_PROCESS_FORK, ctgid, ptgid, 0, mm ? anon_bytes(mm) : 0, ns_tgid(child));
	return 0;
}

static long forget_stack_growth_of(struct bpf_map *map, struct memhound_stack_key *key,
			   struct memhound_stack_growth *growth, __u32 *tgid)
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

	if (!t && watched(task)) {
		/* Placed in a watched cgroup between its fork and this exec (how runtimes start containers). */
		struct memhound_target fresh = {
			.state = MH_TARGET_ACTIVE, .flags = MH_TARGET_FRESH_MM | MH_TARGET_COPY_STACKS,
		};

		if (bpf_map_update_elem(&targets, &tgid, &fresh, BPF_NOEXIST)) {
			stat_add(MH_STAT_LOST_TARGET, 1);
			return 0;
		}
		emit_process(MH_PROCESS_EXEC, tgid, 0, 0, 0, ns_tgid(task));
		return 0;
	}
	if (!t || t->state == MH_TARGET_EXITED)
		return 0;
	/*
	 * A new program: its stack growth starts empty, and so do the counters the old
	 * address space's teardown (just before this) went into. This runs before
	 * the new program's first instruction, so none of its growth is dropped.
	 */
	if (t->state == MH_TARGET_ACTIVE)
		bpf_for_each_map_elem(&stack_growth, forget_stack_growth_of, &tgid, 0);
	/* The program memhound started (pending exec) keeps the choice made for it. */
	if (t->state == MH_TARGET_ACTIVE)
		bpf_map_delete_elem(&no_stack_copies, &tgid);
	/*
	 * The old program's mappings are gone; until user space loads the new
	 * one's, its pcs are found through their VMAs (tables of the files it maps
	 * are loaded before it starts when user space can).
	 */
	if (unwind_with_tables) {
		bpf_map_update_elem(&unwind_mappings, &tgid, &no_unwind_maps, BPF_ANY);
		__sync_fetch_and_add(&unwind_generation, 1);
	} else {
		bpf_map_delete_elem(&unwind_mappings, &tgid);
	}
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
	emit_process(MH_PROCESS_EXEC, tgid, 0, 0, 0, ns_tgid(task));
	return 0;
}

/*
 * A running process was moved into a cgroup (cgroup.procs): if that makes it
 * watched, it is traced from now on, its memory so far its baseline. Runs in
 * the mover's context; `task` is the moved process's leader when threadgroup.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(on_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct memhound_target fresh = { .state = MH_TARGET_ACTIVE, .flags = MH_TARGET_COPY_STACKS };
	__u32 tgid = task->tgid;
	struct memhound_process_record *r;
	struct mm_struct *mm = task->mm;
	bool ring = true;

	if (!watch_cgroups || tgid == self_tgid || (task->flags & PF_KTHREAD) || !mm)
		return 0;
	if (bpf_map_lookup_elem(&targets, &tgid) || !cgroup_watched(dst))
		return 0;
	if (bpf_map_update_elem(&targets, &tgid, &fresh, BPF_NOEXIST)) {
		stat_add(MH_STAT_LOST_TARGET, 1);
		return 0;
	}
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		ring = false;
		r = overflow_slot();
		if (!r)
			return 0;
	}
	fill_header_of(&r->hdr, MH_RECORD_PROCESS, task);
	r->event = MH_PROCESS_JOIN;
	r->parent_tgid = 0;
	r->exit_code = 0;
	r->ns_tgid = ns_tgid(task);
	r->anon_bytes = anon_bytes(mm);
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), task->comm);
	if (ring)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	else if (!overflow_keep(sizeof(*r)))
		count_lost_record();
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

	if (!self_tgid)
		self_tgid = bpf_get_current_pid_tgid() >> 32;
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

/*
 * The OOM killer chose `task`: a record with the figures of the kernel's own
 * oom:mark_victim record, for a traced victim. It runs in the context of the
 * task whose allocation failed, which is often not the victim.
 */
SEC("tp_btf/mark_victim")
int BPF_PROG(on_oom_victim, struct task_struct *task, uid_t uid)
{
	__u32 tgid = task->tgid;
	struct memhound_target *t = bpf_map_lookup_elem(&targets, &tgid);
	struct memhound_oom_record *r;
	struct mm_struct *mm = task->mm;
	bool ring = true;

	bool untraced = !t || t->state != MH_TARGET_ACTIVE;

	/* An untraced victim is reported when it was in a watched cgroup: that it died, without sites. */
	if (untraced && !(watch_cgroups && tgid != self_tgid && task_in_watched_cgroup(task)))
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		ring = false;
		r = overflow_slot();
		if (!r)
			return 0;
	}
	fill_header_of(&r->hdr, MH_RECORD_OOM_KILL, task);
	r->uid = uid;
	r->oom_score_adj = task->signal->oom_score_adj;
	r->flags = untraced ? MH_OOM_UNTRACED : 0;
	r->total_vm = mm ? mm->total_vm * PAGE_SIZE : 0;
	r->anon_rss = mm ? counter_bytes(mm, MM_ANONPAGES) : 0;
	r->file_rss = mm ? counter_bytes(mm, MM_FILEPAGES) : 0;
	r->shmem_rss = mm ? counter_bytes(mm, MM_SHMEMPAGES) : 0;
	r->pgtables = mm ? mm->pgtables_bytes.counter : 0;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), task->comm);
	if (ring)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	else if (!overflow_keep(sizeof(*r)))
		count_lost_record();
	return 0;
}

#endif /* MEMHOUND_LIFECYCLE_BPF_H */

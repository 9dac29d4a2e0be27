/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pids as memhound's own pid namespace numbers them. The programs work in
 * host pids (what bpf_get_current_pid_tgid returns); memhound, often inside a
 * container's pid namespace, names processes by the pids it sees in /proc.
 * User space translates at the edges: the iterator below lists every visible
 * process with both numbers, and fork records carry the child's.
 */
#ifndef MEMHOUND_PIDNS_BPF_H
#define MEMHOUND_PIDNS_BPF_H

#ifndef PF_KTHREAD
#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */
#endif

/* memhound's pid namespace (its level and inode), learnt by the iterator from its reader. */
__u32 pidns_level = 0;
__u32 pidns_inum = 0;

/*
 * The number of `pid` (a struct pid) in memhound's pid namespace; 0 when it is
 * not visible there. `host_nr` is the host's number, given back when memhound
 * runs in the initial namespace (level 0) or before the namespace is learnt.
 */
static __always_inline __u32 ns_nr(struct pid *pid, __u32 host_nr)
{
	__u32 level = pidns_level;
	struct upid upid;

	if (!pidns_inum || !level)
		return host_nr;
	if (!pid || BPF_CORE_READ(pid, level) < level || level > 32)
		return 0;
	if (bpf_probe_read_kernel(&upid, sizeof(upid), &pid->numbers[level]))
		return 0;
	if (BPF_CORE_READ(upid.ns, ns.inum) != pidns_inum)
		return 0;
	return upid.nr;
}

/* The tgid of `task` in memhound's pid namespace; 0 when the task is not visible there. */
static __always_inline __u32 ns_tgid(struct task_struct *task)
{
	return ns_nr(BPF_CORE_READ(task, signal, pids[PIDTYPE_TGID]), BPF_CORE_READ(task, tgid));
}

/* The thread id of `task` in memhound's pid namespace; 0 when it is not visible there. */
static __always_inline __u32 ns_tid(struct task_struct *task)
{
	return ns_nr(BPF_CORE_READ(task, thread_pid), BPF_CORE_READ(task, pid));
}

#endif /* MEMHOUND_PIDNS_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `memhound watch`: which processes become targets on their own. A process is
 * watched when it is in a watched cgroup or one of its descendants (v2, or v1's
 * memory hierarchy), or, with --all, when it is visible in memhound's pid
 * namespace. The rules run in the kernel at fork, exec and cgroup migration, so
 * a process is traced from that moment with no window user space could miss.
 */
#ifndef MEMHOUND_WATCH_BPF_H
#define MEMHOUND_WATCH_BPF_H

#include "memhound.h"
#include "pidns.bpf.h"

/* Cgroups below this depth are not looked at (kubepods nest 4 or 5 deep). */
#define MH_WATCH_MAX_DEPTH 24

/* --all: every process memhound's pid namespace shows. */
const volatile bool watch_all = false;
/* Some cgroup is in watched_cgroups. */
const volatile bool watch_cgroups = false;
/* memhound's own host tgid, learnt by the pid iterator from its reader: it never traces itself. */
__u32 self_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct memhound_cgroup_key);
	__type(value, __u8);
} watched_cgroups SEC(".maps");

/* Whether `cgrp` or one of its ancestors is watched. */
static __always_inline bool cgroup_watched(struct cgroup *cgrp)
{
	struct memhound_cgroup_key key = {};

	if (!cgrp)
		return false;
	key.hierarchy = BPF_CORE_READ(cgrp, root, hierarchy_id);
	for (int i = 0; i < MH_WATCH_MAX_DEPTH && cgrp; i++) {
		key.id = BPF_CORE_READ(cgrp, kn, id);
		if (bpf_map_lookup_elem(&watched_cgroups, &key))
			return true;
		/* cgroup.self is the first member: the parent's css is the parent cgroup. */
		cgrp = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	}
	return false;
}

/* Whether `task`'s unified cgroup or its v1 memory cgroup is watched. */
static __always_inline bool task_in_watched_cgroup(struct task_struct *task)
{
	int memory = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css;

	if (!cset)
		return false;
	if (cgroup_watched(BPF_CORE_READ(cset, dfl_cgrp)))
		return true;
	if (memory < 0 || memory >= 12)
		return false;
	bpf_probe_read_kernel(&css, sizeof(css), &cset->subsys[memory]);
	return css && cgroup_watched(BPF_CORE_READ(css, cgroup));
}

/* Whether the watch rules make `task` (a process's leader) a target. */
static __always_inline bool watched(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (tgid == self_tgid || (BPF_CORE_READ(task, flags) & PF_KTHREAD))
		return false;
	if (watch_all && ns_tgid(task))
		return true;
	return watch_cgroups && task_in_watched_cgroup(task);
}

#endif /* MEMHOUND_WATCH_BPF_H */

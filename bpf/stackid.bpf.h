/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stack ids that name exactly one stack each.
 *
 * bpf_get_stackid keeps one stack per bucket of its table (hash of the
 * frames, masked to the table size) and, without BPF_F_REUSE_STACKID, refuses
 * a new stack whose bucket holds another one (-EEXIST) at every walk; with the
 * flag it would overwrite it and ids given out earlier would name the new
 * stack. Refused stacks are copied to a second table instead, found again by a
 * 64-bit hash of all their frames and compared frame by frame.
 */
#ifndef MEMHOUND_STACKID_BPF_H
#define MEMHOUND_STACKID_BPF_H

#include "state.bpf.h"
#include "unwind.bpf.h"

/* errno values (vmlinux.h has no macros). */
#define ENOENT 2
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17
#define ENOSPC 28

/* Slots [0, capacity) for the even set, [capacity, 2 * capacity) for the odd one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * MH_COLLIDED_STACKS);
	__type(key, __u32);
	__type(value, struct memhound_stack_ips);
} collided_stacks SEC(".maps");

/* Hash of a stack's frames in a set -> its slot in collided_stacks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * MH_COLLIDED_STACKS);
	__type(key, struct memhound_collided_key);
	__type(value, __u32);
} collided_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct memhound_stack_ips);
} collided_scratch SEC(".maps");

/* Slots of each set's half; set by the loader. */
const volatile __u32 collided_capacity = MH_COLLIDED_STACKS;
/*
 * Slots handed out in each set. A slot is given back only when user space
 * empties the set, after the epoch moved on and every id of it was read.
 */
__u32 collided_used[2] = {};

/*
 * Every word, not just `depth` of them: bpf_get_stack zero-fills the rest,
 * and a loop with an exit per frame multiplies the verifier's states.
 */
static __always_inline bool same_stack(const struct memhound_stack_ips *a, const struct memhound_stack_ips *b)
{
	__u64 differ = (a->depth ^ b->depth) | (a->flags ^ b->flags);

	for (int i = 0; i < MH_MAX_STACK_DEPTH; i++)
		differ |= a->ips[i] ^ b->ips[i];
	return differ == 0;
}

/* The id of the stack in `s` if it is in collided_stacks, else -ENOENT (or -EEXIST: another stack has its hash). */
static __always_inline __s32 find_collided(const struct memhound_stack_ips *s,
					    const struct memhound_collided_key *key)
{
	struct memhound_stack_ips *stored;
	__u32 *slot = bpf_map_lookup_elem(&collided_index, key);

	if (!slot)
		return -ENOENT;
	stored = bpf_map_lookup_elem(&collided_stacks, slot);
	if (!stored || !same_stack(stored, s))
		return -EEXIST;
	return MH_COLLIDED_STACK_BASE + *slot - key->set * collided_capacity;
}

/* A global function's argument that is the program's context (libbpf 1.1 has no __arg_ctx). */
#define ARG_CTX __attribute__((btf_decl_tag("arg:ctx")))

/* Stacks kept in the second table because they were unwound with tables, per set (user space reads it). */
__u32 unwound_used[2] = {};

/* Keeps stack s in the second table of set `set`: its raw id, or a negative errno. */
static __always_inline __s32 keep_stack(struct memhound_stack_ips *s, __u32 set)
{
	struct memhound_collided_key key = { .hash = 0xcbf29ce484222325ULL, .set = set & 1 };
	/* Chosen by a branch: an index read back from the stack would be unbounded to the verifier. */
	__u32 *set_used = set & 1 ? &collided_used[1] : &collided_used[0];
	struct memhound_stack_ips *stored;
	__u32 used, slot;
	__s32 id;

	key.hash ^= s->depth | (__u64)s->flags << 32;
	for (int i = 0; i < MH_MAX_STACK_DEPTH; i++)
		key.hash = (key.hash ^ s->ips[i]) * 0x100000001b3ULL;
	id = find_collided(s, &key);
	if (id != -ENOENT)
		return id;

	/* Checked first so that the count stops near the size (it could wrap if it kept counting). */
	if (*set_used >= collided_capacity)
		return -ENOSPC;
	used = __sync_fetch_and_add(set_used, 1);
	if (used >= collided_capacity)
		return -ENOSPC; /* the set's half is full */
	slot = key.set * collided_capacity + used;
	stored = bpf_map_lookup_elem(&collided_stacks, &slot);
	if (!stored)
		return -ENOSPC;
	*stored = *s;
	if (bpf_map_update_elem(&collided_index, &key, &slot, BPF_NOEXIST))
		return find_collided(s, &key); /* another CPU stored it meanwhile; this slot stays unused */
	if (s->flags & MH_STACK_UNWOUND)
		__sync_fetch_and_add(set & 1 ? &unwound_used[1] : &unwound_used[0], 1);
	else
		stat_add(MH_STAT_STACK_COLLIDED, 1);
	return MH_COLLIDED_STACK_BASE + used;
}

/*
 * The current user stack, kept in the second table of set `set` (its raw
 * id); a negative errno if it cannot be. Global, so the verifier checks it
 * once per program instead of at each call with every state of the caller
 * (that took a second at load).
 */
__noinline __s32 collided_stack_id(void *ctx ARG_CTX, __u32 set)
{
	struct memhound_stack_ips *s;
	__u32 zero = 0;
	long bytes;

	s = bpf_map_lookup_elem(&collided_scratch, &zero);
	if (!s)
		return -ENOMEM;
	bytes = bpf_get_stack(ctx, s->ips, sizeof(s->ips), BPF_F_USER_STACK);
	if (bytes <= 0)
		return -EFAULT;
	s->depth = bytes / sizeof(__u64);
	s->flags = 0;
	return keep_stack(s, set);
}

/*
 * The current user stack unwound with the process's tables (bpf/unwind.bpf.h),
 * kept like collided_stack_id; what the walk read is left in walk_reads_scratch.
 */
__noinline __s32 unwound_stack_id(__u32 tgid, __u32 set)
{
	struct memhound_stack_ips *s;
	struct walk_reads *reads;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&collided_scratch, &zero);
	reads = bpf_map_lookup_elem(&walk_reads_scratch, &zero);
	if (!s || !reads)
		return -ENOMEM;
	if (!unwind_user_stack(tgid, s, reads))
		return -ENOENT;
	if (!s->depth)
		return -EFAULT;
	return keep_stack(s, set);
}

/* The epoch a stack id was walked in. */
static __always_inline __u32 stack_id_epoch(__s32 id)
{
	return (__u32)id >> MH_STACK_EPOCH_SHIFT;
}

/*
 * Walks the current user stack: its id, or a negative errno if it was not
 * kept. `unwound`: the process has unwind tables (has_unwind_tables).
 */
static __always_inline __s32 walk_user_stack(void *ctx, bool unwound)
{
	__u32 epoch = *(volatile __u32 *)&stack_epoch % MH_STACK_EPOCHS;
	__s32 id = -ENOENT;

	if (unwound)
		id = unwound_stack_id(bpf_get_current_pid_tgid() >> 32, epoch & 1);
	if (id == -ENOENT) {
		if (epoch & 1)
			id = bpf_get_stackid(ctx, &stacks_odd, BPF_F_USER_STACK);
		else
			id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
		if (id == -EEXIST)
			id = collided_stack_id(ctx, epoch & 1);
	}
	return id < 0 ? id : (__s32)(id | (epoch << MH_STACK_EPOCH_SHIFT));
}

#endif /* MEMHOUND_STACKID_BPF_H */

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

/* errno values (vmlinux.h has no macros). */
#define ENOENT 2
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17
#define ENOSPC 28

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MH_COLLIDED_STACKS);
	__type(key, __u32);
	__type(value, struct memhound_stack_ips);
} collided_stacks SEC(".maps");

/* Hash of a stack's frames -> its slot in collided_stacks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MH_COLLIDED_STACKS);
	__type(key, __u64);
	__type(value, __u32);
} collided_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct memhound_stack_ips);
} collided_scratch SEC(".maps");

/* Slots handed out; a slot is never given back, so its id stays valid. */
__u32 collided_used = 0;

/*
 * Every word, not just `depth` of them: bpf_get_stack zero-fills the rest,
 * and a loop with an exit per frame multiplies the verifier's states.
 */
static __always_inline bool same_stack(const struct memhound_stack_ips *a, const struct memhound_stack_ips *b)
{
	__u64 differ = a->depth ^ b->depth;

	for (int i = 0; i < MH_MAX_STACK_DEPTH; i++)
		differ |= a->ips[i] ^ b->ips[i];
	return differ == 0;
}

/* The id of the stack in `s` if it is in collided_stacks, else -ENOENT (or -EEXIST: another stack has its hash). */
static __always_inline __s32 find_collided(const struct memhound_stack_ips *s, __u64 hash)
{
	struct memhound_stack_ips *stored;
	__u32 *slot = bpf_map_lookup_elem(&collided_index, &hash);

	if (!slot)
		return -ENOENT;
	stored = bpf_map_lookup_elem(&collided_stacks, slot);
	if (!stored || !same_stack(stored, s))
		return -EEXIST;
	return MH_COLLIDED_STACK_BASE + *slot;
}

/* A global function's argument that is the program's context (libbpf 1.1 has no __arg_ctx). */
#define ARG_CTX __attribute__((btf_decl_tag("arg:ctx")))

/*
 * The current user stack, kept in the second table; a negative errno if it
 * cannot be. Global, so the verifier checks it once per program instead of
 * at each call with every state of the caller (that took a second at load).
 */
__noinline __s32 collided_stack_id(void *ctx ARG_CTX)
{
	struct memhound_stack_ips *s, *stored;
	__u64 hash = 0xcbf29ce484222325ULL;
	__u32 zero = 0, slot;
	long bytes;
	__s32 id;

	s = bpf_map_lookup_elem(&collided_scratch, &zero);
	if (!s)
		return -ENOMEM;
	bytes = bpf_get_stack(ctx, s->ips, sizeof(s->ips), BPF_F_USER_STACK);
	if (bytes <= 0)
		return -EFAULT;
	s->depth = bytes / sizeof(__u64);
	hash ^= s->depth;
	for (int i = 0; i < MH_MAX_STACK_DEPTH; i++)
		hash = (hash ^ s->ips[i]) * 0x100000001b3ULL;
	id = find_collided(s, hash);
	if (id != -ENOENT)
		return id;

	/* Checked first so that the count stops near the size (it could wrap if it kept counting). */
	if (collided_used >= MH_COLLIDED_STACKS)
		return -ENOSPC;
	slot = __sync_fetch_and_add(&collided_used, 1);
	stored = bpf_map_lookup_elem(&collided_stacks, &slot);
	if (!stored)
		return -ENOSPC; /* the second table is full too */
	*stored = *s;
	if (bpf_map_update_elem(&collided_index, &hash, &slot, BPF_NOEXIST))
		return find_collided(s, hash); /* another CPU stored it meanwhile; this slot stays unused */
	stat_add(MH_STAT_STACK_COLLIDED, 1);
	return MH_COLLIDED_STACK_BASE + slot;
}

/* Walks the current user stack: its id, or a negative errno if it was not kept. */
static __always_inline __s32 walk_user_stack(void *ctx)
{
	__s32 id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);

	return id == -EEXIST ? collided_stack_id(ctx) : id;
}

#endif /* MEMHOUND_STACKID_BPF_H */

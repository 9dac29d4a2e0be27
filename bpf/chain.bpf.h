/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The user stack of the current thread, walked only when it may have changed.
 *
 * bpf_get_stackid(BPF_F_USER_STACK) walks the frame-pointer chain: regs->ip,
 * then from regs->bp the saved (next bp, return address) pairs until a read
 * fails. Its result is a function of ip, bp and the words it reads, nothing
 * else. So when a thread stands where it stood at its last walk (same sp and
 * bp), every saved pair of that walk is unchanged, up to a saved bp no read
 * can follow, and the instruction is one already walked on that chain, the
 * walk would return the same stack: its id is reused. Two callers that share
 * every frame up to the faulting code still differ in a saved return address
 * above it, which the comparison sees. Chains that cannot be proven this way
 * (deeper than CHAIN_FRAMES, ending in a readable bp, 32-bit code) are always
 * walked.
 */
#ifndef MEMHOUND_CHAIN_BPF_H
#define MEMHOUND_CHAIN_BPF_H

#include "stackid.bpf.h"

/* Saved frame pointers below this are never readable: set to vm.mmap_min_addr. */
const volatile __u64 chain_floor = 4096;
/* Diagnosis: walk even a proven chain and count disagreements (MH_STAT_STACK_MISMATCH). */
const volatile bool check_stack_reuse = false;

/* The user code segment of 64-bit tasks; 32-bit ones have other frames. */
#define USER_CS_64 0x33

struct chain_words {
	__u64 words[CHAIN_SPAN / 8];
};

/* One read of the stack from sp; too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chain_words);
} chain_scratch SEC(".maps");

struct chain_regs {
	__u64 ip;
	__u64 sp;
	__u64 bp;
	__u64 cs;
};

static __always_inline void read_user_regs(struct chain_regs *r)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	r->ip = regs->ip;
	r->sp = regs->sp;
	r->bp = regs->bp;
	r->cs = regs->cs;
}

/* Offset of a frame from sp if it lies in the window read at once, else -1. */
static __always_inline int window_offset(__u64 fp, __u64 sp)
{
	if (fp < sp || fp - sp > CHAIN_SPAN - 16 || ((fp - sp) & 7))
		return -1;
	return fp - sp;
}

/*
 * Is the chain recorded in c still on the stack? One read covers the frames
 * within CHAIN_SPAN bytes of sp; frames further up are read one by one.
 * *leaf: the word at sp.
 */
static __always_inline bool chain_holds(const struct stack_chain *c, __u64 *leaf)
{
	struct chain_words *w;
	__u64 span = c->span, pair[2];
	__u32 zero = 0, at;
	int i, offset;

	w = bpf_map_lookup_elem(&chain_scratch, &zero);
	if (!w || span < 8 || span > CHAIN_SPAN)
		return false;
	if (bpf_probe_read_user(w->words, span, (void *)c->sp))
		return false;
	for (i = 0; i < CHAIN_FRAMES; i++) {
		if (i >= c->frames)
			break;
		offset = window_offset(c->fp[i], c->sp);
		if (offset >= 0) {
			at = (__u32)offset / 8;
			if (at >= CHAIN_SPAN / 8 - 1)
				return false;
			pair[0] = w->words[at];
			pair[1] = w->words[at + 1];
		} else if (bpf_probe_read_user(pair, sizeof(pair), (void *)c->fp[i])) {
			return false;
		}
		if (pair[0] != c->next[i] || pair[1] != c->ret[i])
			return false;
	}
	*leaf = w->words[0];
	return true;
}

/*
 * Records the chain from r->bp, or marks it CHAIN_UNPROVABLE. It must end
 * at a saved bp no read can follow: below vm.mmap_min_addr, or where no
 * mapping can be (past the address space's task_size: code without frame
 * pointers leaves any value in bp, and Swift marks async frames with bit 60).
 */
static __always_inline void chain_record(struct stack_chain *c, const struct chain_regs *r)
{
	struct mm_struct *mm = bpf_get_current_task_btf()->mm;
	__u64 fp = r->bp, pair[2], span = 8, limit;
	int i, offset;

	c->frames = CHAIN_UNPROVABLE;
	if (!mm)
		return;
	limit = mm->task_size - 16;

	for (i = 0; i < CHAIN_FRAMES; i++) {
		if (bpf_probe_read_user(pair, sizeof(pair), (void *)fp))
			return;
		offset = window_offset(fp, r->sp);
		if (offset >= 0 && offset + 16 > span)
			span = offset + 16;
		c->fp[i] = fp;
		c->next[i] = pair[0];
		c->ret[i] = pair[1];
		if (pair[0] < chain_floor || pair[0] > limit) {
			c->span = span;
			c->frames = i + 1;
			return;
		}
		fp = pair[0];
	}
}

/*
 * The id walked for instruction ip on the recorded chain in the current
 * epoch, if any: an id of an earlier epoch names a stack in a set user
 * space may have emptied.
 */
static __always_inline __s32 known_id(const struct stack_chain *c, __u64 ip)
{
	__u32 epoch = *(volatile __u32 *)&stack_epoch % MH_STACK_EPOCHS;

	for (int i = 0; i < CHAIN_IPS; i++)
		if (c->ips[i] == ip && stack_id_epoch(c->ids[i]) == epoch)
			return c->ids[i];
	return -1;
}

static __always_inline void add_known_id(struct stack_chain *c, __u64 ip, __s32 id)
{
	__u32 slot = c->next_slot++ % CHAIN_IPS;

	c->ips[slot] = ip;
	c->ids[slot] = id;
}

/* A new spot, or a chain to be recorded again: forget the ids walked on the old one. */
static __always_inline void reset_spot(struct stack_chain *c, const struct chain_regs *r)
{
	for (int i = 0; i < CHAIN_IPS; i++)
		c->ips[i] = 0;
	c->next_slot = 0;
	c->sp = r->sp;
	c->bp = r->bp;
	c->frames = 0;
	c->walk = 0;
}

/*
 * The user stack id of the current thread walked by frame pointers, *leaf the
 * word at its sp. ts: the thread's state, where its last chain is kept (NULL:
 * always walk). A thread seen twice at one spot (sp, bp) gets its chain
 * recorded; from then on, while the chain holds, the ids walked for the last
 * CHAIN_IPS instructions (an unrolled loop faults at several) are reused.
 */
static __always_inline __s32 fp_current_stack(void *ctx, struct stack_chain *c, const struct chain_regs *rp,
					      __u64 *leaf)
{
	struct chain_regs r = *rp;
	bool same, holds = false;
	__s32 id, known = -1;

	same = c && !(c->walk & CHAIN_BY_TABLES) && c->sp == r.sp && c->bp == r.bp && r.ip;
	if (same && c->frames >= 1 && c->frames <= CHAIN_FRAMES && chain_holds(c, leaf)) {
		holds = true;
		known = known_id(c, r.ip);
		if (known >= 0) {
			stat_add(MH_STAT_STACK_REUSED, 1);
			if (!check_stack_reuse)
				return known;
		}
	}

	id = walk_user_stack(ctx, false);
	if (known >= 0) {
		/* Check mode: the proven id was walked again. */
		if (id != known)
			stat_add(MH_STAT_STACK_MISMATCH, 1);
		return id;
	}
	stat_add(MH_STAT_STACK_WALKED, 1);
	if (!holds)
		*leaf = word_at_sp_address(r.sp);
	if (id < 0)
		stat_add(MH_STAT_LOST_STACK, 1);
	if (!c)
		return id;
	if (id < 0 || r.cs != USER_CS_64) {
		c->sp = 0;
		return id;
	}
	if (holds) {
		/* The chain is unchanged: another instruction on it. */
		add_known_id(c, r.ip, id);
		return id;
	}
	if (!same) {
		/* A new spot: remember it; a chain is recorded if the thread comes back. */
		reset_spot(c, &r);
		return id;
	}
	if (c->frames == CHAIN_UNPROVABLE)
		return id;
	reset_spot(c, &r);
	chain_record(c, &r);
	if (c->frames != CHAIN_UNPROVABLE)
		add_known_id(c, r.ip, id);
	return id;
}

#endif /* MEMHOUND_CHAIN_BPF_H */

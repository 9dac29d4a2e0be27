/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stacks unwound with tables, walked only when one of their inputs changed.
 *
 * A table walk (unwind.bpf.h) is a function of the registers it starts from
 * (ip, sp, and bp when a rule used it before a saved bp replaced it), of the
 * tables (unwind_generation moves on whenever they change) and of the stack
 * words it depends on, nothing else: a walk that found a pc only through its
 * VMA or whose read failed depended on more, and is not kept. A thread keeps
 * its last CHAIN_IPS walks, each with its start and its words; when it stands
 * at one's ip and sp (and bp, if that walk used it) under the same tables and
 * every word of that walk still holds its value, the walk would return the
 * same stack: its id is reused. Two callers that share every frame up to the
 * faulting code differ in a return address above it, which is one of the
 * words. Several walks per thread: a loop alternates between spots (mmap,
 * the fault of the page it mapped, munmap).
 */
#ifndef MEMHOUND_WALKPROOF_BPF_H
#define MEMHOUND_WALKPROOF_BPF_H

#include "chain.bpf.h"

struct entry_search {
	const struct stack_chain *c;
	const struct chain_regs *r;
	__u32 epoch;
	int slot;
};

static long entry_step(__u32 i, struct entry_search *s)
{
	const struct walk_entry *e = &s->c->entries[i & (CHAIN_IPS - 1)];

	if (e->ip != s->r->ip || e->sp != s->r->sp || (e->used_bp && e->bp != s->r->bp) ||
	    stack_id_epoch(e->id) != s->epoch)
		return 0;
	s->slot = i & (CHAIN_IPS - 1);
	return 1;
}

/*
 * The kept walk of this instruction at this spot, in the current epoch: its
 * slot, or -1. A bpf_loop: a loop returning each slot as a constant would have
 * the verifier follow the rest once per slot.
 */
static __always_inline int find_entry(const struct stack_chain *c, const struct chain_regs *r)
{
	struct entry_search s = { .c = c, .r = r, .slot = -1,
				  .epoch = *(volatile __u32 *)&stack_epoch % MH_STACK_EPOCHS };

	bpf_loop(CHAIN_IPS, entry_step, &s, 0);
	return s.slot;
}

struct word_check {
	const struct stack_chain *c;
	const struct walk_entry *e;
	struct chain_words *window;  /* the words from e->sp, span bytes */
	__u64 span;
	bool holds;
};

static long word_step(__u32 i, struct word_check *k)
{
	const struct stack_chain *c = k->c;
	__u64 addr, offset, word;
	__u32 at = k->e->first + i;

	if (at >= CHAIN_WORDS) {
		k->holds = false;
		return 1;
	}
	addr = c->addr[at];
	offset = addr - k->e->sp;
	/* Masked: the verifier does not follow the bounds through the division. */
	if (addr >= k->e->sp && offset + 8 <= k->span && !(offset & 7))
		word = k->window->words[(offset / 8) & (CHAIN_SPAN / 8 - 1)];
	else if (bpf_probe_read_user(&word, sizeof(word), (void *)addr))
		word = ~c->value[at];
	if (word != c->value[at]) {
		k->holds = false;
		return 1;
	}
	return 0;
}

/* Does every word walk e depends on still hold its value? *leaf: the word at sp. */
static __always_inline bool entry_holds(const struct stack_chain *c, const struct walk_entry *e, __u64 *leaf)
{
	struct word_check k = { .c = c, .e = e, .span = e->span, .holds = true };
	__u32 zero = 0;

	k.window = bpf_map_lookup_elem(&chain_scratch, &zero);
	if (!k.window)
		return false;
	barrier_var(k.span);
	if (k.span > CHAIN_SPAN || k.span < 8)
		return false;
	if (bpf_probe_read_user(k.window->words, k.span, (void *)e->sp))
		return false;
	bpf_loop(e->words, word_step, &k, 0);
	if (k.holds)
		*leaf = k.window->words[0];
	return k.holds;
}

struct word_keep {
	struct stack_chain *c;
	const struct walk_reads *r;
	__u64 sp;
	__u64 span;
};

static long keep_step(__u32 i, struct word_keep *k)
{
	struct stack_chain *c = k->c;
	__u32 n = c->frames;
	__u64 addr, offset;

	if (i >= CHAIN_WORDS || n >= CHAIN_WORDS)
		return 1;
	addr = k->r->addr[i];
	c->addr[n] = addr;
	c->value[n] = k->r->value[i];
	c->frames = n + 1;
	offset = addr - k->sp;
	if (addr >= k->sp && offset + 8 <= CHAIN_SPAN && offset + 8 > k->span)
		k->span = offset + 8;
	return 0;
}

/* Keeps the walk that just ran (its reads r) in slot `slot`; the caller made room for its words. */
static __always_inline void keep_entry(struct stack_chain *c, int slot, const struct chain_regs *regs,
				       __s32 id, const struct walk_reads *r)
{
	struct walk_entry *e = &c->entries[slot & (CHAIN_IPS - 1)];
	struct word_keep k = { .c = c, .r = r, .sp = regs->sp, .span = 8 };
	__u32 first = c->frames;

	bpf_loop(r->count, keep_step, &k, 0);
	e->ip = regs->ip;
	e->sp = regs->sp;
	e->bp = regs->bp;
	e->id = id;
	e->used_bp = (r->flags & WALK_USED_BP) != 0;
	e->first = first;
	e->words = c->frames - first;
	e->span = k.span;
}

/* Forgets every kept walk: the tables changed, the words are full, or the chain was a frame-pointer one. */
static __always_inline void forget_walks(struct stack_chain *c, __u32 generation)
{
	for (int i = 0; i < CHAIN_IPS; i++)
		c->entries[i].ip = 0;
	c->sp = 0; /* no frame-pointer spot */
	c->frames = 0;
	c->next_slot = 0;
	c->walk = CHAIN_BY_TABLES;
	c->generation = generation;
}

/* The user stack id of the current thread unwound with tables; see fp_current_stack. */
static __always_inline __s32 tables_current_stack(void *ctx, struct stack_chain *c, const struct chain_regs *r,
						  __u64 *leaf)
{
	__u32 generation = *(volatile __u32 *)&unwind_generation, zero = 0;
	struct walk_reads *reads;
	bool holds = false;
	int slot = -1;
	__s32 id;

	if (c && c->walk == CHAIN_BY_TABLES && c->generation == generation && r->ip) {
		slot = find_entry(c, r);
		if (slot >= 0 && entry_holds(c, &c->entries[slot & (CHAIN_IPS - 1)], leaf)) {
			holds = true;
			stat_add(MH_STAT_STACK_REUSED, 1);
			if (!check_stack_reuse)
				return c->entries[slot & (CHAIN_IPS - 1)].id;
		}
	}

	id = walk_user_stack(ctx, true);
	if (holds) {
		/* Check mode: the proven id was walked again. */
		if (id != c->entries[slot & (CHAIN_IPS - 1)].id)
			stat_add(MH_STAT_STACK_MISMATCH, 1);
		return id;
	}
	*leaf = word_at_sp_address(r->sp);
	if (id < 0)
		stat_add(MH_STAT_LOST_STACK, 1);
	reads = bpf_map_lookup_elem(&walk_reads_scratch, &zero);
	/* A walk that depended on more than what is kept cannot be proven again. */
	if (!c || id < 0 || !reads || (reads->flags & WALK_UNPROVABLE) || r->cs != USER_CS_64 || !r->ip)
		return id;
	if (c->walk != CHAIN_BY_TABLES || c->generation != generation || c->frames + reads->count > CHAIN_WORDS) {
		forget_walks(c, generation);
		slot = -1;
	}
	/* A walk of this instruction here whose words changed is replaced; else the oldest one is. */
	if (slot < 0)
		slot = c->next_slot++ % CHAIN_IPS;
	keep_entry(c, slot, r, id, reads);
	return id;
}

/* tables_current_stack for the current thread; global, so the verifier checks it once, not in every caller. */
__noinline __s32 tables_stack_id(void *ctx ARG_CTX, __u64 *leaf)
{
	struct thread_state *ts = thread_state(false);
	struct stack_chain *c = NULL;
	struct chain_regs r;

	if (!leaf)
		return -EFAULT;
	if (ts) {
		c = &ts->chain;
		/* Else the compiler forms &ts->chain before the NULL check, which the verifier refuses. */
		barrier_var(c);
	}
	read_user_regs(&r);
	return tables_current_stack(ctx, c, &r, leaf);
}

/*
 * The user stack id of the current thread, *leaf the word at its sp and
 * *sp_out the sp. ts: the thread's state, where its last walks are kept
 * (NULL: always walk; tables_stack_id finds it again).
 */
static __always_inline __s32 current_stack(void *ctx, struct thread_state *ts, __u64 *leaf, __u64 *sp_out)
{
	struct stack_chain *c = ts ? &ts->chain : NULL;
	struct chain_regs r;

	read_user_regs(&r);
	*sp_out = r.sp;
	if (has_unwind_tables(bpf_get_current_pid_tgid() >> 32))
		return tables_stack_id(ctx, leaf);
	return fp_current_stack(ctx, c, &r, leaf);
}

#endif /* MEMHOUND_WALKPROOF_BPF_H */

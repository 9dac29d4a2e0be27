/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stacks unwound with tables, walked only when one of their inputs changed.
 *
 * A table walk (unwind.bpf.h) is a function of the registers it starts from
 * (ip, sp, and bp when a rule used it before a saved bp replaced it), of the
 * tables (unwind_generation moves on whenever they change) and of the stack
 * words it read, nothing else: a walk that found a pc only through its VMA or
 * whose read failed depended on more, and is not kept. So when a thread
 * stands at the sp of its last walks (and bp, if one used it) under the same
 * tables, and every word those walks read still holds its value, the walk for
 * an instruction already walked there would return the same stack: its id is
 * reused. Two callers that share every frame up to the faulting code differ
 * in a return address above it, which is one of the words. The words of the
 * walks of every instruction kept at a spot are compared together.
 */
#ifndef MEMHOUND_WALKPROOF_BPF_H
#define MEMHOUND_WALKPROOF_BPF_H

#include "chain.bpf.h"

/* Does every word the walks kept in c read still hold its value? *leaf: the word at sp. */
static __always_inline bool words_hold(const struct stack_chain *c, __u64 *leaf)
{
	struct chain_words *w;
	__u64 span = c->span, word, offset;
	__u32 zero = 0;
	int i;

	w = bpf_map_lookup_elem(&chain_scratch, &zero);
	if (!w || span < 8 || span > CHAIN_SPAN)
		return false;
	if (bpf_probe_read_user(w->words, span, (void *)c->sp))
		return false;
	for (i = 0; i < CHAIN_WORDS; i++) {
		if (i >= c->frames)
			break;
		offset = c->addr[i] - c->sp;
		/* Masked: the verifier does not follow the bounds through the division. */
		if (c->addr[i] >= c->sp && offset + 8 <= span && !(offset & 7))
			word = w->words[(offset / 8) & (CHAIN_SPAN / 8 - 1)];
		else if (bpf_probe_read_user(&word, sizeof(word), (void *)c->addr[i]))
			return false;
		if (word != c->value[i])
			return false;
	}
	*leaf = w->words[0];
	return true;
}

/* Adds the words a walk read to c (the caller made room). */
static __always_inline void keep_words(struct stack_chain *c, const struct walk_reads *r)
{
	__u64 offset;
	__u32 n;

	for (int i = 0; i < CHAIN_WORDS; i++) {
		if (i >= r->count)
			break;
		n = c->frames;
		/* Opaque: else the compiler forms &c->addr[n] before the bound check, which the verifier refuses. */
		barrier_var(n);
		if (n >= CHAIN_WORDS)
			break;
		c->addr[n] = r->addr[i];
		c->value[n] = r->value[i];
		c->frames = n + 1;
		offset = r->addr[i] - c->sp;
		if (r->addr[i] >= c->sp && offset + 8 <= CHAIN_SPAN && offset + 8 > c->span)
			c->span = offset + 8;
	}
}

/* The user stack id of the current thread unwound with tables; see fp_current_stack. */
static __always_inline __s32 tables_current_stack(void *ctx, struct stack_chain *c, const struct chain_regs *r,
						  __u64 *leaf)
{
	__u32 generation = *(volatile __u32 *)&unwind_generation, zero = 0;
	struct walk_reads *reads;
	bool holds = false;
	__s32 id, known = -1;

	if (c && (c->walk & CHAIN_BY_TABLES) && c->sp == r->sp && c->generation == generation &&
	    (!(c->walk & CHAIN_USES_BP) || c->bp == r->bp) && r->ip && words_hold(c, leaf)) {
		holds = true;
		known = known_id(c, r->ip);
		if (known >= 0) {
			stat_add(MH_STAT_STACK_REUSED, 1);
			if (!check_stack_reuse)
				return known;
		}
	}

	id = walk_user_stack(ctx, true);
	if (known >= 0) {
		/* Check mode: the proven id was walked again. */
		if (id != known)
			stat_add(MH_STAT_STACK_MISMATCH, 1);
		return id;
	}
	if (!holds)
		*leaf = word_at_sp_address(r->sp);
	if (id < 0)
		stat_add(MH_STAT_LOST_STACK, 1);
	if (!c)
		return id;
	reads = bpf_map_lookup_elem(&walk_reads_scratch, &zero);
	if (id < 0 || !reads || (reads->flags & WALK_UNPROVABLE) || r->cs != USER_CS_64 || !r->ip) {
		/* Nothing to keep; the words kept for other instructions still prove their ids. */
		if (!holds)
			c->sp = 0;
		return id;
	}
	if (!holds || c->frames + reads->count > CHAIN_WORDS) {
		reset_spot(c, r);
		c->walk = CHAIN_BY_TABLES;
		c->generation = generation;
		c->span = 8;
	}
	if (reads->flags & WALK_USED_BP) {
		/* The other instructions' walks did not use bp: any value proves them. */
		c->walk |= CHAIN_USES_BP;
		c->bp = r->bp;
	}
	keep_words(c, reads);
	add_known_id(c, r->ip, id);
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

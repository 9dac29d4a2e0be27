/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stack copies: the user registers and stack of a region-creating syscall, for
 * unwinding code without frame pointers in user space. Rate-limited per target.
 */
#ifndef MEMHOUND_STACKCOPY_BPF_H
#define MEMHOUND_STACKCOPY_BPF_H

#include "state.bpf.h"

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
 * (at most MH_STACK_COPY_MAX bytes), for unwinding code that keeps no
 * frame pointers. Only at calls that create regions, for processes that need it.
 */
static __always_inline void emit_stack_copy(__u64 enter_ns, __u64 key)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct stack_end stack = {};
	struct memhound_stack_record *r;
	__u32 zero = 0;
	__u64 sp, size = 0;

	r = bpf_map_lookup_elem(&copy_scratch, &zero);
	if (!r)
		return;
	fill_header(&r->hdr, MH_RECORD_STACK_COPY);
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
	size = MH_STACK_COPY_MAX;
	if (bpf_find_vma(task, sp, find_stack_end, &stack, 0) == 0 && stack.end > sp &&
	    stack.end - sp < MH_STACK_COPY_MAX)
		size = stack.end - sp;
	for (int i = 0; i < 5; i++) {
		if (size > MH_STACK_COPY_MAX)
			size = MH_STACK_COPY_MAX;
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
		bpf_map_delete_elem(&copied, &key); /* copy it again next time */
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

/* Whether the target may copy a stack now (MH_STACK_COPY_BURST, MH_STACK_COPIES_PER_SECOND). */
static __always_inline bool take_copy_token(struct memhound_target *t, __u64 now)
{
	__u64 earned = (now - t->copy_refill_ns) / (1000000000ULL / MH_STACK_COPIES_PER_SECOND);

	/* Threads race here; an extra or a missed copy now and then does no harm. */
	if (earned) {
		t->copy_tokens = t->copy_tokens + earned > MH_STACK_COPY_BURST ? MH_STACK_COPY_BURST
										: t->copy_tokens + earned;
		t->copy_refill_ns = now;
	}
	if (!t->copy_tokens)
		return false;
	t->copy_tokens--;
	return true;
}

#endif /* MEMHOUND_STACKCOPY_BPF_H */

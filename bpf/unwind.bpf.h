/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User stacks unwound in the kernel with each file's call frame information,
 * so code without frame pointers (glibc, distribution-built C and C++, jemalloc,
 * CPython) keeps its callers. User space loads the tables (`unwind_rows`) and
 * each process's executable mappings (`unwind_mappings`): see
 * memhound_unwind_row in memhound.h. Per frame: find the mapping of the pc,
 * the row of its file for the pc, compute the CFA, read the return address at
 * CFA - 8 and the saved rbp where the row says. Code no table covers (Go,
 * JIT) is unwound by frame pointers, so mixed stacks (cgo: C frames on the
 * system stack, then the Go frames that called them) come out whole.
 */
#ifndef MEMHOUND_UNWIND_BPF_H
#define MEMHOUND_UNWIND_BPF_H

#include "state.bpf.h"

/* Set by the loader when the session unwinds with tables. */
const volatile bool unwind_with_tables = false;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MH_UNWIND_ROWS);
	__type(key, __u32);
	__type(value, struct memhound_unwind_row);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* as many as targets; set by the loader */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct memhound_unwind_maps);
} unwind_mappings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MH_UNWIND_FILES);
	__type(key, struct memhound_unwind_file_key);
	__type(value, struct memhound_unwind_file);
} unwind_files SEC(".maps");

#define VM_EXEC 0x4

/*
 * Moves on after every change to the tables (user space, after it wrote them;
 * exec): a walk kept with an older one may have used other rules.
 */
__u32 unwind_generation = 0;

/* Values of walk_reads.flags. */
enum walk_read_flags {
	WALK_USED_BP = 1,    /* a rule used bp as the registers held it */
	WALK_UNPROVABLE = 2, /* it depended on more than registers, tables and the words read */
};

/*
 * What the current table walk read from the stack: its stack is a function of
 * the registers, the tables and these words (see walkproof.bpf.h).
 */
struct walk_reads {
	__u32 count;
	__u32 flags;         /* enum walk_read_flags */
	__u64 addr[CHAIN_WORDS];
	__u64 value[CHAIN_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_reads);
} walk_reads_scratch SEC(".maps");

/* What a new program starts with (exec): no mappings yet, every pc is looked up through its VMA. */
struct memhound_unwind_maps no_unwind_maps = {};

struct unwind_walk {
	struct memhound_unwind_maps *maps;
	/* A mapping found through its VMA (file_mapping). */
	struct memhound_unwind_mapping found;
	struct memhound_stack_ips *out;
	struct walk_reads *reads;
	__u64 pc;
	__u64 sp;
	__u64 bp;
	bool bp_from_regs;   /* bp is still the registers' (no saved one was loaded) */
	bool bp_noted;       /* the saved bp loaded last is in reads (a rule used it) */
	__u64 bp_addr;       /* where it was loaded from */
};

/* Notes that the walk's result depends on the stack word at addr. */
static __always_inline void note_word(struct unwind_walk *w, __u64 addr, __u64 value)
{
	struct walk_reads *r = w->reads;
	__u32 n = r->count;

	if (n >= CHAIN_WORDS) {
		r->flags |= WALK_UNPROVABLE;
		return;
	}
	r->addr[n] = addr;
	r->value[n] = value;
	r->count = n + 1;
}

/* Reads the stack word at addr the walk depends on; nonzero if the read failed. */
static __always_inline long read_stack_word(struct unwind_walk *w, __u64 addr, __u64 *value)
{
	if (bpf_probe_read_user(value, sizeof(*value), (void *)addr)) {
		/* The walk stopped because a read failed: it depends on more than words. */
		w->reads->flags |= WALK_UNPROVABLE;
		return -1;
	}
	note_word(w, addr, *value);
	return 0;
}

/*
 * Loads the bp a frame saved at addr. Code without frame pointers saves and
 * restores rbp as any register, with a new value at each call: it is noted
 * only when a rule uses it (using_bp), or every such walk would differ.
 */
static __always_inline long load_saved_bp(struct unwind_walk *w, __u64 addr)
{
	__u64 bp;

	if (bpf_probe_read_user(&bp, sizeof(bp), (void *)addr)) {
		w->reads->flags |= WALK_UNPROVABLE;
		return -1;
	}
	w->bp = bp;
	w->bp_from_regs = false;
	w->bp_noted = false;
	w->bp_addr = addr;
	return 0;
}

/* The walk is about to use bp: it depends on the registers' bp or on the word it was loaded from. */
static __always_inline void using_bp(struct unwind_walk *w)
{
	if (w->bp_from_regs) {
		w->reads->flags |= WALK_USED_BP;
	} else if (!w->bp_noted) {
		note_word(w, w->bp_addr, w->bp);
		w->bp_noted = true;
	}
}

/*
 * Binary searches run as bpf_loop steps: in a plain loop the verifier would
 * follow every path of the search's bounds (2^steps states).
 */
struct mapping_search {
	struct memhound_unwind_maps *maps;
	__u64 pc;
	__u32 lo;
	__u32 hi;
};

static long mapping_step(__u32 i, struct mapping_search *s)
{
	__u32 mid;

	if (s->lo >= s->hi)
		return 1;
	mid = (s->lo + s->hi) / 2;
	if (s->pc < s->maps->mappings[mid & (MH_UNWIND_MAPPINGS - 1)].start)
		s->hi = mid;
	else
		s->lo = mid + 1;
	return 0;
}

/* The process's executable mapping that holds pc, or NULL (binary search over start). */
static __always_inline struct memhound_unwind_mapping *find_mapping(struct memhound_unwind_maps *maps, __u64 pc)
{
	struct mapping_search s = { .maps = maps, .pc = pc, .hi = maps->count };
	struct memhound_unwind_mapping *m;

	if (s.hi > MH_UNWIND_MAPPINGS)
		s.hi = MH_UNWIND_MAPPINGS;
	bpf_loop(9, mapping_step, &s, 0);
	if (s.lo == 0)
		return NULL;
	m = &maps->mappings[(s.lo - 1) & (MH_UNWIND_MAPPINGS - 1)];
	return pc < m->end ? m : NULL;
}

struct row_search {
	__u32 first;
	__u32 addr;
	__u32 lo;
	__u32 hi;
};

static long row_step(__u32 i, struct row_search *s)
{
	struct memhound_unwind_row *row;
	__u32 mid, index;

	if (s->lo >= s->hi)
		return 1;
	mid = s->lo + (s->hi - s->lo) / 2;
	index = s->first + mid;
	row = bpf_map_lookup_elem(&unwind_rows, &index);
	if (!row) {
		s->lo = 0;
		return 1;
	}
	if (s->addr < row->pc)
		s->hi = mid;
	else
		s->lo = mid + 1;
	return 0;
}

/* The last row of m's file at or below file address addr; false when there is none. */
static __always_inline bool find_row(const struct memhound_unwind_mapping *m, __u64 addr,
				     struct memhound_unwind_row *out)
{
	struct row_search s = { .first = m->first_row, .addr = (__u32)addr, .hi = m->rows };
	struct memhound_unwind_row *row;
	__u32 index;

	if (addr > 0xffffffffULL)
		return false;
	bpf_loop(23, row_step, &s, 0);
	if (s.lo == 0)
		return false;
	index = s.first + s.lo - 1;
	row = bpf_map_lookup_elem(&unwind_rows, &index);
	if (!row)
		return false;
	*out = *row;
	return true;
}

struct vma_file {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u64 inode;
	__u32 device;
	__u32 found;
	bool program;        /* the process's own executable (mm->exe_file) */
};

static long read_vma_file(struct task_struct *task, struct vm_area_struct *vma, struct vma_file *f)
{
	struct file *file = vma->vm_file;

	if (!file || !(vma->vm_flags & VM_EXEC))
		return 0;
	f->start = vma->vm_start;
	f->end = vma->vm_end;
	f->pgoff = vma->vm_pgoff;
	f->inode = BPF_CORE_READ(file, f_inode, i_ino);
	f->device = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	f->program = file == BPF_CORE_READ(vma, vm_mm, exe_file);
	f->found = 1;
	return 0;
}

/*
 * The mapping of pc from its VMA, when its file's rows are loaded (user space
 * loads a program's libraries' tables before it maps them when it can).
 * *unseen: pc is in a library whose rows user space has not loaded (yet).
 */
static __always_inline struct memhound_unwind_mapping *file_mapping(struct unwind_walk *w, __u64 pc, bool *unseen)
{
	struct memhound_unwind_file_key key = {};
	struct memhound_unwind_file *file;
	struct vma_file f = {};

	*unseen = false;
	if (bpf_find_vma(bpf_get_current_task_btf(), pc, read_vma_file, &f, 0) || !f.found)
		return NULL;
	key.inode = f.inode;
	key.device = f.device;
	file = bpf_map_lookup_elem(&unwind_files, &key);
	if (!file) {
		*unseen = !f.program;
		return NULL;
	}
	w->found.start = f.start;
	w->found.end = f.end;
	w->found.bias = f.start - (f.pgoff << 12) - file->vaddr_delta;
	w->found.first_row = file->first_row;
	w->found.rows = file->rows;
	return &w->found;
}

/* One frame (a bpf_loop step): records pc, moves to the caller; 1 stops the walk. */
static long unwind_frame(__u32 i, struct unwind_walk *w)
{
	struct memhound_unwind_row row = { .kind = MH_CFA_NONE };
	struct memhound_unwind_mapping *m;
	struct memhound_stack_ips *out = w->out;
	__u32 depth = out->depth;
	__u64 lookup, cfa, ra = 0, bp;
	bool unseen;

	if (depth >= MH_MAX_STACK_DEPTH)
		return 1;
	out->ips[depth & (MH_MAX_STACK_DEPTH - 1)] = w->pc;
	out->depth = depth + 1;
	/* A caller's pc is a return address: the call is the instruction before it. */
	lookup = depth ? w->pc - 1 : w->pc;
	m = find_mapping(w->maps, lookup);
	if (!m) {
		__sync_fetch_and_add(&w->maps->misses, 1);
		/* Found through the VMAs, which no generation follows: such a walk is never reused. */
		w->reads->flags |= WALK_UNPROVABLE;
		m = file_mapping(w, lookup, &unseen);
		/*
		 * A library user space has not seen: one just dlopen()ed, its rows on
		 * their way. Frame pointers through code built without them would make
		 * up callers: the stack ends here, incomplete. A program just exec'd
		 * (its own file), code in no file (JIT, [vdso]): frame pointers.
		 */
		if (unseen)
			return 1;
	}
	if (m && m->rows)
		find_row(m, lookup - m->bias, &row);

	switch (row.kind) {
	case MH_CFA_RSP:
		cfa = w->sp + row.cfa_offset;
		break;
	case MH_CFA_RBP:
		using_bp(w);
		cfa = w->bp + row.cfa_offset;
		break;
	case MH_CFA_PLT:
		cfa = w->sp + row.cfa_offset + ((w->pc & 15) >= (__u64)row.rbp_offset ? 8 : 0);
		break;
	case MH_CFA_END:
		out->flags |= MH_STACK_COMPLETE;
		return 1;
	case MH_CFA_NONE:
		using_bp(w);
		if (!depth)
			out->flags |= MH_STACK_FP_LEAF;
		/* A frame-pointer chain ends with a zero rbp (Go's goroutines, glibc's thread start). */
		if (!w->bp) {
			out->flags |= MH_STACK_COMPLETE;
			return 1;
		}
		cfa = w->bp + 16;
		break;
	default:
		return 1;
	}
	/*
	 * Callers' frames lie above: anything else is a corrupt rule. A frame
	 * pointer may lead to another stack (cgo: from the system stack back to the
	 * goroutine's), so it need only be aligned.
	 */
	if (row.kind == MH_CFA_NONE ? (w->bp & 7) != 0 : cfa <= w->sp)
		return 1;
	if (read_stack_word(w, cfa - 8, &ra))
		return 1;
	if (row.kind == MH_CFA_NONE) {
		/* Compared with the last one: the walk depends on it. */
		if (read_stack_word(w, cfa - 16, &bp) || bp == w->bp)
			return 1;
		w->bp = bp;
		w->bp_from_regs = false;
		w->bp_noted = true;
	} else if (row.rbp_offset && row.kind != MH_CFA_PLT) {
		if (load_saved_bp(w, cfa + row.rbp_offset))
			return 1;
	}
	if (!ra) {
		out->flags |= MH_STACK_COMPLETE;
		return 1;
	}
	w->sp = cfa;
	w->pc = ra;
	return 0;
}

/*
 * Unwinds the current thread's user stack into s with the tables of process
 * tgid, noting in `reads` what it read; false when the process has none (the
 * caller walks frame pointers).
 */
static __always_inline bool unwind_user_stack(__u32 tgid, struct memhound_stack_ips *s, struct walk_reads *reads)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct unwind_walk w = { .out = s, .reads = reads, .bp_from_regs = true };

	reads->count = 0;
	reads->flags = WALK_UNPROVABLE;
	w.maps = bpf_map_lookup_elem(&unwind_mappings, &tgid);
	if (!w.maps)
		return false;
	reads->flags = 0;
	w.pc = regs->ip;
	w.sp = regs->sp;
	w.bp = regs->bp;
	for (int i = 0; i < MH_MAX_STACK_DEPTH; i++)
		s->ips[i] = 0;
	s->depth = 0;
	s->flags = MH_STACK_UNWOUND;
	if (w.pc)
		bpf_loop(MH_MAX_STACK_DEPTH, unwind_frame, &w, 0);
	stat_add(MH_STAT_STACK_UNWOUND, 1);
	if (!(s->flags & MH_STACK_COMPLETE))
		stat_add(MH_STAT_UNWIND_STOPPED, 1);
	return true;
}

/* Whether the current process's stacks are unwound with tables. */
static __always_inline bool has_unwind_tables(__u32 tgid)
{
	return unwind_with_tables && bpf_map_lookup_elem(&unwind_mappings, &tgid);
}

#endif /* MEMHOUND_UNWIND_BPF_H */

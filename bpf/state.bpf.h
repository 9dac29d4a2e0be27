/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps, per-thread state and the small helpers the programs share. */
#ifndef MEMHOUND_STATE_BPF_H
#define MEMHOUND_STATE_BPF_H

#include "memhound.h"
#include "shared.bpf.h"
#include "pidns.bpf.h"

#define PAGE_SIZE 4096ULL
/* A run is flushed once it covers this much, bounding what a thread keeps pending. */
#define MAX_RUN_BYTES (1ULL << 20)
/* Highest user-space address on x86_64 (4-level and 5-level paging). */
#define USER_ADDR_LIMIT 0x00ffffffffffffffULL

const volatile bool follow_children = true;

/*
 * Targets whose stacks are not copied (Go programs: frame pointers, no CFI).
 * User space owns this map and writes one key at a time: it never rewrites a
 * memhound_target, whose other fields the programs update at any moment.
 * Cleared at exec (a new program), inherited at fork.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} no_stack_copies SEC(".maps");
/* Possible CPUs, set by the loader. */
const volatile __u32 nr_cpus = 1;
/* 1: every ANON increment is attributed. N: one in N per thread, its bytes counted N times. */
const volatile __u32 sample_every = 1;

/* The two sets of stack tables (see MH_STACK_EPOCH_SHIFT); sizes set by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MH_STACK_TABLE_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MH_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MH_STACK_TABLE_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MH_MAX_STACK_DEPTH * sizeof(__u64));
} stacks_odd SEC(".maps");

/* The epoch stacks are walked in, flipped by user space (read once per walk). */
__u32 stack_epoch = 0;

/* Per CPU: the hot path adds without atomics; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct memhound_stack_key);
	__type(value, struct memhound_stack_growth);
} stack_growth SEC(".maps");

/* Address space (mm_struct address) -> owning tgid, for changes made outside the process. */
struct mm_state {
	__u32 tgid;
	__u32 _pad;
};

/* Entries go at exec and exit; a plain hash is cheaper than an LRU on every fault. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct mm_state);
} mms SEC(".maps");

/* Call paths whose stack was copied already (see memhound_syscall_record.copy_key). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} copied SEC(".maps");

/* Scratch space for a memhound_stack_record (too large for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct memhound_stack_record);
} copy_scratch SEC(".maps");

/*
 * The last faults taken on this CPU: a fault's ANON increment follows on the
 * same CPU in the same fault (a per-CPU slot is much cheaper than task
 * storage; `task` tells entries apart). Unless the thread slept in the fault
 * (waiting for the address-space lock) and another thread faulted here
 * meanwhile (`older` keeps the displaced fault), or it woke on another CPU
 * (the increment then looks at the other CPUs' slots).
 */
struct pending_fault {
	__u64 task;
	__u64 addr;
	__u64 older_task;
	__u64 older_addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_fault);
} faults SEC(".maps");

/* Stacks the kernel can prove unchanged (chain.bpf.h: frame pointers; walkproof.bpf.h: table walks). */
#define CHAIN_FRAMES 32
#define CHAIN_WORDS 48 /* stack words the table walks kept for a thread depend on */
#define CHAIN_SPAN 2048 /* bytes from sp read at once; frames beyond are read one by one */
#define CHAIN_UNPROVABLE 0xffffffffU
#define CHAIN_IPS 8 /* instructions whose walked id is kept per chain */

/* Values of stack_chain.walk. */
enum chain_walk {
	CHAIN_BY_TABLES = 1, /* table walks (entries, addr, value); else a frame-pointer chain */
};

/* One table walk kept (walkproof.bpf.h): where it started, its id, the words it depends on. */
struct walk_entry {
	__u64 ip;                    /* 0: free */
	__u64 sp;
	__u64 bp;                    /* when used_bp */
	__s32 id;
	__u16 span;                  /* bytes from sp that hold its words within CHAIN_SPAN */
	__u8 first;                  /* its words: addr/value[first, first + words) */
	__u8 words;
	__u8 used_bp;                /* a rule used bp as the registers held it */
	__u8 _pad[7];
};

/*
 * What a thread's last walks read, so that the next one can be proven to give
 * the same stack. Frame pointers: where the thread last had its stack walked
 * (sp, bp), the saved (next bp, return address) pairs that walk read, the ids
 * walked there for each instruction; frames: 0 seen once here,
 * 1..CHAIN_FRAMES recorded, CHAIN_UNPROVABLE walked every time. Tables
 * (walk == CHAIN_BY_TABLES): up to CHAIN_IPS walks, each with its own start,
 * and the words they read; frames: how many words are used.
 */
struct stack_chain {
	__u64 sp;
	__u64 bp;
	__u64 span;                  /* bytes from sp read at once (see chain_holds) */
	__u32 frames;
	__u32 next_slot;
	__u32 walk;                  /* enum chain_walk */
	__u32 generation;            /* tables: the unwind_generation the walks used */
	union {
		struct {
			__u64 ips[CHAIN_IPS];
			__s32 ids[CHAIN_IPS];
			__u64 fp[CHAIN_FRAMES];      /* where each pair is */
			__u64 next[CHAIN_FRAMES];
			__u64 ret[CHAIN_FRAMES];
		};
		struct {
			struct walk_entry entries[CHAIN_IPS];
			__u64 addr[CHAIN_WORDS];
			__u64 value[CHAIN_WORDS];
		};
	};
};

/* What one traced thread is doing: its open syscall, its open run, its last stack. */
struct thread_state {
	__u32 sample_tick;
	__u32 syscall;        /* 0: not inside a traced syscall */
	__s32 syscall_stack;
	__u64 args[6];
	__u64 enter_ns;
	__u64 syscall_leaf;
	__u64 copy_key;
	__s64 anon_delta;
	__u64 anon_bytes;
	__u64 run_start;      /* run_end == 0: no open run */
	__u64 run_end;
	__u64 run_first_ns;
	__u64 run_last_ns;
	__s32 run_stack;
	__u32 run_faults;
	__u64 run_leaf;
	__u32 run_flags;
	__u32 run_held;       /* the open run lies in the range the open syscall releases */
	struct stack_chain chain;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

/* The calling thread's process if it is an active target, else NULL. */
static __always_inline struct memhound_target *active_target(__u32 tgid)
{
	struct memhound_target *t = bpf_map_lookup_elem(&targets, &tgid);

	if (!t || t->state != MH_TARGET_ACTIVE)
		return NULL;
	return t;
}

static __always_inline struct thread_state *thread_state(bool create)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *ts;

	ts = bpf_task_storage_get(&threads, task, 0,
				  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!ts && create)
		stat_add(MH_STAT_LOST_THREAD, 1);
	return ts;
}

static __always_inline void fill_header(struct memhound_record_header *h, __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->tgid = id >> 32; /* host tgid: user space translates it (PidTranslation) */
	/* Thread ids have no translation in user space: the one memhound's namespace gives it. */
	h->tid = pidns_level ? ns_tid(bpf_get_current_task_btf()) : (__u32)id;
	h->_pad = 0;
	h->time_ns = bpf_ktime_get_ns();
}

/*
 * Wake the reader only when the ring is filling up; otherwise it drains on
 * its own poll timeout. Saves a wakeup per record on busy targets.
 */
static __always_inline __u64 wakeup_flags(void)
{
	__u64 avail = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&records, BPF_RB_RING_SIZE);

	return avail > size / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* The word at the user stack pointer (see memhound_stack_growth); 0 if unreadable. */
static __always_inline __u64 word_at_sp_address(__u64 sp)
{
	__u64 word = 0;

	if (bpf_probe_read_user(&word, sizeof(word), (void *)sp))
		return 0;
	return word;
}

/* Records the ring buffer had no room for (see memhound_overflow_key). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MH_OVERFLOW_ENTRIES);
	__type(key, struct memhound_overflow_key);
	__type(value, struct memhound_overflow_record);
} overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct memhound_overflow_record);
} overflow_scratch SEC(".maps");

/* Where to build a record the ring buffer refused; NULL only if the map lookup fails. */
static __always_inline void *overflow_slot(void)
{
	struct memhound_overflow_record *o;
	__u32 zero = 0;

	o = bpf_map_lookup_elem(&overflow_scratch, &zero);
	return o ? o->data : NULL;
}

/* Keeps the record built in overflow_slot(); false when the overflow table is full too. */
static __always_inline bool overflow_keep(__u32 size)
{
	struct memhound_overflow_key key = {};
	struct memhound_overflow_record *o;
	struct memhound_record_header *h;
	__u32 zero = 0;

	o = bpf_map_lookup_elem(&overflow_scratch, &zero);
	if (!o)
		return false;
	h = (struct memhound_record_header *)o->data;
	key.time_ns = h->time_ns;
	key.tid = h->tid;
	key.kind = h->kind;
	o->size = size;
	o->_pad = 0;
	if (bpf_map_update_elem(&overflow, &key, o, BPF_NOEXIST))
		return false;
	stat_add(MH_STAT_OVERFLOWED, 1);
	return true;
}

/*
 * This CPU's stack growth entry of the calling process and `stack_id`, created empty
 * when missing; NULL (counted) when the stack growth table is full.
 */
static __always_inline struct memhound_stack_growth *stack_growth_entry(__s32 stack_id)
{
	struct memhound_stack_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .stack_id = stack_id };
	struct memhound_stack_growth fresh = {}, *g;

	g = bpf_map_lookup_elem(&stack_growth, &key);
	if (g)
		return g;
	bpf_map_update_elem(&stack_growth, &key, &fresh, BPF_NOEXIST);
	g = bpf_map_lookup_elem(&stack_growth, &key);
	if (!g)
		stat_add(MH_STAT_LOST_SITE, 1);
	return g;
}

/* A record of the calling process could not be reserved. */
static __always_inline struct memhound_target *count_lost_record(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memhound_target *t = bpf_map_lookup_elem(&targets, &tgid);

	stat_add(MH_STAT_LOST_RINGBUF, 1);
	if (t)
		__sync_fetch_and_add(&t->lost_records, 1);
	return t;
}

static __always_inline void fill_run(struct memhound_run_record *r, struct thread_state *ts)
{
	fill_header(&r->hdr, MH_RECORD_RUN); /* time_ns: now, when the run ends */
	r->start = ts->run_start;
	r->end = ts->run_end;
	r->first_ns = ts->run_first_ns;
	r->stack_id = ts->run_stack;
	r->faults = ts->run_faults;
	r->word_at_sp = ts->run_leaf;
	r->flags = ts->run_flags;
	r->_pad = 0;
}

/*
 * Emit the thread's open run, if any, and close it. A run neither the ring
 * buffer nor the overflow table can take still counted its growth in
 * `stack_growth`; its pages become unlocated there, so reports know how much of the
 * stack's figure no release can be charged against.
 */
static __always_inline void flush_run(struct thread_state *ts)
{
	struct memhound_stack_growth *g;
	struct memhound_run_record *r;

	if (!ts->run_end)
		return;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (r) {
		fill_run(r, ts);
		bpf_ringbuf_submit(r, wakeup_flags());
	} else if ((r = overflow_slot())) {
		fill_run(r, ts);
		if (!overflow_keep(sizeof(*r))) {
			count_lost_record();
			g = stack_growth_entry(ts->run_stack);
			if (g)
				g->unlocated += (ts->run_end - ts->run_start) * sample_every;
		}
	}
	ts->run_end = 0;
	ts->run_held = 0;
}

#endif /* MEMHOUND_STATE_BPF_H */

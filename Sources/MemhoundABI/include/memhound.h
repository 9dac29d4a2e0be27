/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every record and map value that crosses the kernel/user boundary.
 *
 * Included by the BPF programs (scripts/build-bpf adds this folder to the
 * include path, after vmlinux.h), by the C loader (CMemhoundBPF) and, as the
 * MemhoundABI module, by Swift. Fixed-width fields, explicit padding and
 * static size checks keep the three views identical.
 */
#ifndef MEMHOUND_H
#define MEMHOUND_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MEMHOUND_ABI_VERSION 2

/* User stack frames kept per stack; deeper stacks keep their leaf-most frames. */
#define MH_MAX_STACK_DEPTH 64

/*
 * The kernel's stack table keeps one stack per hash bucket, so a new stack
 * whose bucket holds another one is refused. Those go to a second table of
 * their own (map `collided_stacks`, raw id - MH_COLLIDED_STACK_BASE is the
 * slot), so a stack id names exactly one stack.
 *
 * Tables fill up and are never pruned by the kernel, so there are two sets
 * (`stacks` for even epochs, `stacks_odd` for odd ones, each with its half of
 * `collided_stacks`). User space flips `stack_epoch` when the set in use is
 * getting full, reads every stack of the old set and empties it for a later
 * epoch. An id carries its epoch in bits 24..30 (raw id below), so ids walked
 * in different epochs never meet.
 */
#define MH_COLLIDED_STACK_BASE (1 << 23)
#define MH_COLLIDED_STACKS 4096 /* per set, by default */
#define MH_STACK_TABLE_ENTRIES 16384 /* per set, by default */
#define MH_STACK_EPOCH_SHIFT 24
#define MH_STACK_EPOCHS 128
#define MH_STACK_RAW_MASK ((1 << MH_STACK_EPOCH_SHIFT) - 1)

/* Key of map `collided_index`: a hash of a stack's frames in one set. */
struct memhound_collided_key {
	__u64 hash;
	__u32 set;
	__u32 _pad;
};

/* An entry of `collided_stacks`. */
struct memhound_stack_ips {
	__u32 depth;        /* frames in ips */
	__u32 flags;        /* enum memhound_stack_flags */
	__u64 ips[MH_MAX_STACK_DEPTH];
};

/* Values of memhound_stack_ips.flags. */
enum memhound_stack_flags {
	/* Unwound by the kernel with the process's unwind tables (bpf/unwind.bpf.h), not bpf_get_stack. */
	MH_STACK_UNWOUND = 1,
	/* ...and its leaf had no CFI row: it was unwound by frame pointers (a frameless leaf hides its caller). */
	MH_STACK_FP_LEAF = 2,
	/* ...and the walk reached the outermost frame (or a frame-pointer chain's end), not a dead end. */
	MH_STACK_COMPLETE = 4,
};

/*
 * In-kernel unwinding (bpf/unwind.bpf.h). User space turns each executable
 * file's CFI (.eh_frame, else .debug_frame) into rows sorted by pc, one row
 * per range of instructions with the same rule for the CFA and the saved rbp
 * (the return address is always at CFA - 8 on x86_64). Rows of every file
 * share one array (`unwind_rows`); a process's executable mappings
 * (`unwind_mappings`, keyed by tgid) say where each file's rows are.
 */
#define MH_UNWIND_MAPPINGS 128     /* executable mappings per process, at most */
#define MH_UNWIND_ROWS (1 << 21)   /* rows of all files, by default */

/* Values of memhound_unwind_row.kind. */
enum memhound_cfa_kind {
	MH_CFA_NONE = 0,        /* no CFI covers the pc: frame pointers (Go code, JIT code) */
	MH_CFA_RSP = 1,         /* CFA = rsp + cfa_offset */
	MH_CFA_RBP = 2,         /* CFA = rbp + cfa_offset */
	/* A PLT entry: CFA = rsp + cfa_offset, plus 8 when (pc & 15) >= rbp_offset. */
	MH_CFA_PLT = 3,
	MH_CFA_END = 4,         /* the outermost frame: the return address is undefined */
	MH_CFA_UNSUPPORTED = 5, /* a rule the kernel does not evaluate (signal frames, expressions): the walk stops */
};

struct memhound_unwind_row {
	__u32 pc;           /* file address where the row starts */
	__s32 cfa_offset;
	__s16 rbp_offset;   /* rbp saved at CFA + rbp_offset; 0: rbp unchanged */
	__u8 kind;          /* enum memhound_cfa_kind */
	__u8 _pad;
};

struct memhound_unwind_mapping {
	__u64 start;        /* [start, end): the mapping's addresses */
	__u64 end;
	__u64 bias;         /* address - bias = file address */
	__u32 first_row;    /* its file's rows: unwind_rows[first_row, first_row + rows) */
	__u32 rows;         /* 0: no table (frame pointers) */
};

/*
 * Map `unwind_files`: a file whose rows are loaded, by device and inode as
 * the kernel has them (MKDEV(major, minor) = major << 20 | minor). A pc in no
 * mapping of its process (a library mapped since user space last loaded them)
 * is looked up in its VMA's file here, so it unwinds before user space knows.
 */
struct memhound_unwind_file_key {
	__u64 inode;
	__u32 device;
	__u32 _pad;
};

struct memhound_unwind_file {
	__u32 first_row;
	__u32 rows;
	__s64 vaddr_delta;  /* p_vaddr - p_offset of its executable segment */
};

#define MH_UNWIND_FILES 4096

/* Map `unwind_mappings`: tgid -> this, mappings sorted by start. */
struct memhound_unwind_maps {
	__u32 count;
	/* Walks that met a pc in no mapping here (a library loaded since): user space reloads them. */
	__u32 misses;
	struct memhound_unwind_mapping mappings[MH_UNWIND_MAPPINGS];
};

#define MH_COMM_LEN 16

/* Values of memhound_target.state. */
enum memhound_target_state {
	MH_TARGET_ACTIVE = 1,
	/* Started by `memhound run`: traced from its execve on, not before. */
	MH_TARGET_PENDING_EXEC = 2,
	/* Exited: kept until user space has read its counters, then removed there. */
	MH_TARGET_EXITED = 3,
};

/* Flags of memhound_target.flags. */
enum memhound_target_flags {
	/* The address space is new (exec): its first ANON change starts from 0. */
	MH_TARGET_FRESH_MM = 1,
	/*
	 * Copy registers and user stack at region-creating syscalls (see
	 * memhound_stack_record), unless the target is in map `no_stack_copies`.
	 */
	MH_TARGET_COPY_STACKS = 2,
};

#define MH_CHECK_COPY_BIT 63
#define MH_CHECK_COPY_KEY (1ULL << MH_CHECK_COPY_BIT)

/* User stack bytes copied for user-space unwinding, at most. */
#define MH_STACK_COPY_MAX 8192
/* Registers in DWARF x86_64 order: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip. */
#define MH_UNWIND_REGS 17

/* Kind of every ring-buffer record; it is the first field of each. */
enum memhound_record_kind {
	MH_RECORD_SYSCALL = 1,
	MH_RECORD_RUN = 2,
	MH_RECORD_PROCESS = 3,
	MH_RECORD_TCP = 4,
	MH_RECORD_OOM_KILL = 5,
	MH_RECORD_STACK_COPY = 8,
};

/* Memory syscalls traced on entry and exit. */
enum memhound_syscall {
	MH_SYS_MMAP = 1,
	MH_SYS_MUNMAP = 2,
	MH_SYS_MREMAP = 3,
	MH_SYS_BRK = 4,
	MH_SYS_MADVISE = 5,
	MH_SYS_MPROTECT = 6,
};

enum memhound_process_event {
	MH_PROCESS_FORK = 1,
	MH_PROCESS_EXEC = 2,
	MH_PROCESS_EXIT = 3,
	/*
	 * `memhound watch`: a running process entered a watched cgroup (it was moved
	 * there); traced from now on like an attached one, anon_bytes its counter then.
	 */
	MH_PROCESS_JOIN = 4,
};

/*
 * Map `watched_cgroups` (`memhound watch --cgroup`): a cgroup whose processes,
 * and those of its descendants, are traced from their fork, exec or arrival.
 * Kernfs ids are unique within one hierarchy only, so the hierarchy is part of
 * the key: 0 is the unified (v2) one, others are v1 hierarchies (/proc/cgroups).
 */
struct memhound_cgroup_key {
	__u64 id;          /* the cgroup directory's inode number (its kernfs id) */
	__u32 hierarchy;   /* cgroup_root.hierarchy_id */
	__u32 _pad;
};

/* Values of memhound_oom_record.flags. */
enum memhound_oom_flags {
	/* The victim was not traced: it was in a watched cgroup (no attribution). */
	MH_OOM_UNTRACED = 1,
};

/* Per-CPU counters (map `stats`). Every MH_STAT_LOST_* is data that was dropped. */
enum memhound_stat {
	MH_STAT_LOST_RINGBUF = 0,     /* ring buffer full: a record was dropped */
	MH_STAT_LOST_STACK = 1,       /* user stack not captured (growth kept under the kernel's error as its stack id: a site without frames) */
	MH_STAT_LOST_SITE = 2,        /* stack growth table full: growth not aggregated */
	MH_STAT_LOST_THREAD = 3,      /* no per-thread state: fault address or syscall lost */
	MH_STAT_LOST_MM = 4,          /* address-space table full: ANON change not measured */
	MH_STAT_LOST_TARGET = 5,      /* target table full: a child was not followed */
	MH_STAT_BASELINE = 6,         /* first ANON change of a pre-existing address space */
	MH_STAT_STACK_WALKED = 7,     /* user stacks walked (bpf_get_stackid) */
	MH_STAT_STACK_REUSED = 8,     /* user stacks proven unchanged instead (bpf/chain.bpf.h) */
	MH_STAT_STACK_MISMATCH = 9,   /* check mode: a proven stack the walk disagreed with */
	MH_STAT_STACK_COLLIDED = 10,  /* stacks kept in the second table (see MH_COLLIDED_STACK_BASE) */
	MH_STAT_STACK_COPY_SKIPPED = 11, /* stack copies not made: the target's copy budget was spent */
	MH_STAT_OVERFLOWED = 12,      /* records the ring buffer had no room for, kept in `overflow` (not lost) */
	MH_STAT_STACK_UNWOUND = 13,   /* user stacks unwound with unwind tables (bpf/unwind.bpf.h) */
	MH_STAT_UNWIND_STOPPED = 14,  /* ...of which the walk stopped before the outermost frame */
	MH_STAT_COUNT = 15,
};

/* Common prefix of every ring-buffer record. */
struct memhound_record_header {
	__u32 kind;   /* enum memhound_record_kind */
	__u32 tgid;
	__u32 tid;
	__u32 _pad;
	__u64 time_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/*
 * One traced memory syscall, emitted at its exit.
 * args by syscall: mmap(addr, len, prot, flags, fd, off), munmap(addr, len),
 * mremap(old_addr, old_len, new_len, flags, new_addr), brk(addr, and in
 * args[1] the break before the call), madvise(start, len, advice),
 * mprotect(start, len, prot).
 */
struct memhound_syscall_record {
	struct memhound_record_header hdr;
	__u32 syscall;      /* enum memhound_syscall */
	__s32 stack_id;     /* see MH_STACK_EPOCH_SHIFT; negative: not captured */
	__s64 ret;
	__u64 args[6];
	__u64 enter_ns;
	__s64 anon_delta;   /* net ANON bytes this thread changed during the call */
	__u64 anon_bytes;   /* the kernel's ANON counter after the call's last change */
	__u64 word_at_sp;  /* the word at the user sp: see memhound_stack_key */
	/*
	 * Region-creating calls of processes whose stacks are copied: the call
	 * path's key. Its stack is copied only the first time the key is seen
	 * (a memhound_stack_record with the same key); 0 otherwise.
	 */
	__u64 copy_key;
	/*
	 * Bytes of the call's release the kernel already charged to their stack
	 * (pages of this thread's open run, never sent: see release_open_run);
	 * anon_delta includes them.
	 */
	__u64 kernel_released;
};

/*
 * Contiguous pages [start, end) one thread made resident with one user stack.
 * Consecutive first touches are coalesced in the kernel; hdr.time_ns is the last.
 */
struct memhound_run_record {
	struct memhound_record_header hdr;
	__u64 start;
	__u64 end;
	__u64 first_ns;
	__s32 stack_id;
	__u32 faults;
	__u64 word_at_sp;
	__u32 flags;        /* enum memhound_run_flags */
	__u32 _pad;
};

enum memhound_run_flags {
	/* The pages lie next to the thread's stack pointer: a stack grew into them. */
	MH_RUN_STACK = 1,
};

/* How far from the stack pointer a fault still counts as stack growth. */
#define MH_STACK_TOUCH_RANGE (64 * 1024)

/*
 * Registers and the live part of the user stack at the entry of a syscall
 * that creates a region (mmap, brk, mremap), for code without frame pointers:
 * user space unwinds it with the binaries' CFI. Emitted at entry; the syscall
 * record of the same thread with the same enter_ns follows it.
 */
struct memhound_stack_record {
	struct memhound_record_header hdr;
	__u64 enter_ns;
	/*
	 * memhound_syscall_record.copy_key of the calls it stands for; with
	 * MH_CHECK_COPY_KEY, a fault's stack copied to check the kernel's unwind
	 * (--check-unwind): the low 32 bits are that stack's id.
	 */
	__u64 key;
	__u64 regs[MH_UNWIND_REGS];
	__u32 size;         /* bytes of data, copied from regs[7] (the stack pointer) up */
	__u32 _pad;
	__u8 data[MH_STACK_COPY_MAX];
};

struct memhound_process_record {
	struct memhound_record_header hdr;
	__u32 event;        /* enum memhound_process_event */
	__u32 parent_tgid;  /* fork: the parent */
	__s32 exit_code;    /* exit: wait status as the kernel keeps it */
	__u32 ns_tgid;      /* fork, exec, join: the tgid in memhound's pid namespace (0: not visible there) */
	__u64 anon_bytes;   /* exit: ANON counter at the process's last own change; fork: the child's at birth */
	char comm[MH_COMM_LEN];
};

/*
 * The OOM killer chose a traced process (oom:mark_victim), with the figures the
 * kernel's own oom:mark_victim record shows, in bytes. hdr.tgid is the victim's
 * (host) tgid, hdr.tid its thread in memhound's pid namespace.
 */
struct memhound_oom_record {
	struct memhound_record_header hdr;
	__u32 uid;
	__s16 oom_score_adj;
	__u16 flags;        /* enum memhound_oom_flags */
	__u64 total_vm;
	__u64 anon_rss;
	__u64 file_rss;
	__u64 shmem_rss;
	__u64 pgtables;
	char comm[MH_COMM_LEN];
};

/* One process as the pid iterator (`list_pids`) lists it: host tgid and tgid in memhound's namespace. */
struct memhound_pid_pair {
	__u32 host_tgid;
	__u32 ns_tgid;
};

/* Map `targets`: tgid -> this. */
struct memhound_target {
	__u32 state;        /* enum memhound_target_state */
	__u32 flags;        /* enum memhound_target_flags */
	__u64 mm;           /* its address space (kernel address), once learnt; kernel-side only */
	__u64 anon_bytes;   /* ANON counter at the last change made by a target thread */
	__u64 foreign_growth;   /* ANON increments made outside the target (curr=0) */
	__u64 foreign_release;  /* ANON decrements made outside the target (reclaim, exit) */
	__u64 unscoped_release; /* decrements by target threads outside traced syscalls */
	/* The last ANON value of the address space mm, from any source (deltas come from it). */
	__u64 last_anon;
	/*
	 * Releases user space never saw: the ANON decrease of traced syscalls
	 * whose record the ring buffer could not take (less what the kernel had
	 * charged itself). Bounds how much site figures may be overstated.
	 */
	__u64 unseen_release;
	/* Ring-buffer records of this process that were dropped. */
	__u64 lost_records;
	/* Stack copies it may still make, and when the budget was last topped up; kernel-side only. */
	__u64 copy_tokens;
	__u64 copy_refill_ns;
};

/*
 * Stack copies (8 KiB each) a target may make: a burst, then a steady rate.
 * Code whose call paths never repeat (locals at sp differ at every call)
 * would otherwise fill the ring buffer with copies and crowd out the records
 * figures depend on.
 */
#define MH_STACK_COPY_BURST 256
#define MH_STACK_COPIES_PER_SECOND 256

/* Map `stack_growth`: resident ANON growth aggregated per (process, user stack). */
struct memhound_stack_key {
	__u32 tgid;
	__s32 stack_id;
};

/*
 * A frameless leaf (memset, a syscall wrapper) hides its caller from frame
 * pointer unwinding; the word at the user sp is then the caller's return
 * address. The last one seen is kept with the stack (word_at_sp in records
 * too) and user space decides whether it is one.
 */
struct memhound_stack_growth {
	__u64 bytes;
	__u64 increments;
	__u64 word_at_sp;
	/*
	 * Growth user space cannot place at an address, so cannot charge a
	 * release to: increments without a fault address (MAP_POPULATE, pages
	 * filled by the kernel) and runs whose record the ring buffer dropped.
	 */
	__u64 unlocated;
	/* Released by the kernel itself: a thread's open run freed by its own munmap/madvise. */
	__u64 released;
};

/*
 * Map `overflow`: a syscall, run or process record the ring buffer had no
 * room for, kept until user space takes it (records are lost only when this
 * table is full too). User space applies them late, in time order.
 */
struct memhound_overflow_key {
	__u64 time_ns;  /* the record's hdr.time_ns */
	__u32 tid;
	__u32 kind;     /* enum memhound_record_kind */
};

#define MH_OVERFLOW_RECORD_MAX 136
#define MH_OVERFLOW_ENTRIES 16384

struct memhound_overflow_record {
	__u32 size;     /* bytes of data used */
	__u32 _pad;
	__u8 data[MH_OVERFLOW_RECORD_MAX];
};

_Static_assert(sizeof(struct memhound_record_header) == 24, "header layout");
_Static_assert(sizeof(struct memhound_syscall_record) == 136, "syscall record layout");
_Static_assert(sizeof(struct memhound_run_record) == 72, "run record layout");
_Static_assert(sizeof(struct memhound_process_record) == 64, "process record layout");
_Static_assert(sizeof(struct memhound_oom_record) == 88, "oom record layout");
_Static_assert(sizeof(struct memhound_target) == 88, "target layout");
_Static_assert(sizeof(struct memhound_stack_record) == 184 + MH_STACK_COPY_MAX, "stack record layout");
_Static_assert(sizeof(struct memhound_stack_key) == 8, "site key layout");
_Static_assert(sizeof(struct memhound_stack_growth) == 40, "site growth layout");
_Static_assert(sizeof(struct memhound_stack_ips) == 8 + 8 * MH_MAX_STACK_DEPTH, "stack ips layout");
_Static_assert(sizeof(struct memhound_collided_key) == 16, "collided key layout");
_Static_assert(sizeof(struct memhound_unwind_row) == 12, "unwind row layout");
_Static_assert(sizeof(struct memhound_unwind_file_key) == 16, "unwind file key layout");
_Static_assert(sizeof(struct memhound_unwind_file) == 16, "unwind file layout");
_Static_assert(sizeof(struct memhound_unwind_mapping) == 32, "unwind mapping layout");
_Static_assert(sizeof(struct memhound_unwind_maps) == 8 + 32 * MH_UNWIND_MAPPINGS, "unwind maps layout");
_Static_assert(sizeof(struct memhound_overflow_key) == 16, "overflow key layout");
_Static_assert(sizeof(struct memhound_pid_pair) == 8, "pid pair layout");
_Static_assert(sizeof(struct memhound_cgroup_key) == 16, "cgroup key layout");
_Static_assert(sizeof(struct memhound_overflow_record) == 8 + MH_OVERFLOW_RECORD_MAX, "overflow record layout");
_Static_assert(sizeof(struct memhound_syscall_record) <= MH_OVERFLOW_RECORD_MAX &&
	       sizeof(struct memhound_run_record) <= MH_OVERFLOW_RECORD_MAX &&
	       sizeof(struct memhound_process_record) <= MH_OVERFLOW_RECORD_MAX, "overflow record size");

/* ---- TCP retransmits (bpf/tcp.bpf.c) ---------------------------------- */

/* Values of memhound_tcp_record.event. */
enum memhound_tcp_event {
	MH_TCP_RETRANSMIT = 1, /* tcp:tcp_retransmit_skb */
	MH_TCP_SYNACK = 2,     /* tcp:tcp_retransmit_synack (charged to the listener's owner) */
	/*
	 * tcp:tcp_destroy_sock of a target's socket that retransmitted: nothing
	 * was sent, total_retrans is its final count (attempts missed after the
	 * last record show here).
	 */
	MH_TCP_CLOSED = 3,
};

/*
 * One retransmit of a socket owned by a target. hdr.tgid and hdr.tid are the
 * socket's owner (the last thread that used it in process context), never the
 * task that happened to be on the CPU, which is on_cpu_tgid.
 */
struct memhound_tcp_record {
	struct memhound_record_header hdr;
	__u32 event;        /* enum memhound_tcp_event */
	__s32 err;          /* retransmit: 0, or the -errno of an attempt that failed */
	__u16 family;       /* AF_INET or AF_INET6 (of the socket; v4-mapped stays AF_INET6) */
	__u16 sport;        /* host byte order */
	__u16 dport;
	__u8 state;         /* TCP state (1 ESTABLISHED .. 12 NEW_SYN_RECV) */
	__u8 _pad;
	__u32 on_cpu_tgid;  /* the task on the CPU when it fired (0: idle or softirq) */
	__u32 netns;        /* inode number of the socket's network namespace */
	__u32 segments;     /* segments in the skb (a TSO skb carries several): TCP_INFO counts these */
	/*
	 * Retransmit: the socket's total_retrans after the attempt (TCP_INFO's
	 * count), so user space sees a gap when an attempt was not recorded.
	 * SYN-ACK: 0.
	 */
	__u32 total_retrans;
	__u8 saddr[16];     /* AF_INET: the first 4 bytes; network byte order */
	__u8 daddr[16];
	char comm[MH_COMM_LEN]; /* the owner's comm when it last used the socket */
};

/* Map `tcp_counts`: target tgid -> this; map `tcp_unattributed`: netns inode -> this. */
struct memhound_tcp_counts {
	__u64 retransmits;  /* every retransmit, SYN-ACKs included */
	__u64 synack;       /* of which SYN-ACK retransmits */
	__u64 failed;       /* of which attempts that failed (err != 0) */
	__u64 segments;     /* segments sent again by the attempts that did not fail */
};

_Static_assert(sizeof(struct memhound_tcp_record) == 104, "tcp record layout");
_Static_assert(sizeof(struct memhound_tcp_counts) == 32, "tcp counts layout");

#endif /* MEMHOUND_H */

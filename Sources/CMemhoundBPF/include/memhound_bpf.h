/*
 * Loading and reading the embedded BPF objects over libbpf: the memory tracer
 * (bpf/memhound.bpf.c), its stack tables, and the TCP retransmit object.
 * Functions return 0 (or a count) on success and a negative errno on failure;
 * nothing here prints.
 */
#ifndef MEMHOUND_BPF_H
#define MEMHOUND_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memhound.h"

/* ---- tracer: open -> configure -> load -> attach -> poll -------------- */

struct memhound_tracer;

struct memhound_tracer_options {
	bool follow_children;
	uint32_t sample_every;      /* 0 or 1: attribute every ANON increment */
	uint32_t ring_buffer_bytes; /* power of two, multiple of the page size */
	/* vm.mmap_min_addr: saved frame pointers below it end a stack for certain; 0: unknown */
	uint64_t mmap_min_addr;
	bool check_stack_reuse;     /* walk proven stacks too and count disagreements */
	uint32_t stack_table_entries; /* stacks per set of tables; 0: MH_STACK_TABLE_ENTRIES */
	/* memhound watch: processes become targets in the kernel (bpf/watch.bpf.h) */
	bool watch_all;             /* every process of memhound's pid namespace */
	bool watch_cgroups;         /* those of the cgroups given to memhound_tracer_watch_cgroup */
	uint32_t max_targets;       /* processes traced at once; 0: 1024 */
	/* Unwind stacks in the kernel with tables user space loads (bpf/unwind.bpf.h) */
	bool unwind_with_tables;
	uint32_t unwind_rows;       /* rows of all files' tables; 0: MH_UNWIND_ROWS */
	/* Check mode: copy sampled fault stacks for unwinding in user space too */
	bool check_unwind;
};

/* Called once per ring-buffer record; the data is valid only during the call. */
typedef int (*memhound_record_fn)(void *context, const void *data, size_t size);

/* Opens, configures and loads the embedded programs. */
int memhound_tracer_open(const struct memhound_tracer_options *options,
			 struct memhound_tracer **out);
/* Attaches every program; on failure memhound_tracer_failed_program names it. */
int memhound_tracer_attach(struct memhound_tracer *tracer);
const char *memhound_tracer_failed_program(const struct memhound_tracer *tracer);
/* Frees everything; accepts NULL. */
void memhound_tracer_destroy(struct memhound_tracer *tracer);

/* Maps of the memory object that the TCP object shares (bpf_map__reuse_fd). */
enum memhound_shared_map {
	MH_MAP_TARGETS = 1,
	MH_MAP_RECORDS = 2,
	MH_MAP_STATS = 3,
};

/* The fd of a shared map (owned by the tracer), or -EINVAL. */
int memhound_tracer_map_fd(const struct memhound_tracer *tracer, enum memhound_shared_map which);

/* exclusive: fail with -EEXIST when the kernel made it a target already (watch rules). */
int memhound_tracer_add_target(struct memhound_tracer *tracer, uint32_t tgid, uint32_t state,
			       uint32_t flags, bool exclusive);
/* Watches a cgroup and its descendants (options.watch_cgroups): its kernfs id in one hierarchy. */
int memhound_tracer_watch_cgroup(struct memhound_tracer *tracer, uint64_t id, uint32_t hierarchy);
/*
 * Turns stack copies of a target on or off (map no_stack_copies: one key, so
 * the kernel's own updates of the target are never overwritten).
 */
int memhound_tracer_set_stack_copies(struct memhound_tracer *tracer, uint32_t tgid, bool on);
int memhound_tracer_remove_target(struct memhound_tracer *tracer, uint32_t tgid);
int memhound_tracer_read_target(struct memhound_tracer *tracer, uint32_t tgid,
				struct memhound_target *out);

/*
 * Counts the GC cycles of traced processes running `binary`: a uprobe at file
 * offset `offset` (the runtime's mark termination). -ENOSPC past 64 binaries.
 */
int memhound_tracer_attach_go_gc(struct memhound_tracer *tracer, const char *binary, uint64_t offset);
/* GC cycles counted for tgid; -ENOENT before its first. */
int memhound_tracer_read_go_gc_cycles(struct memhound_tracer *tracer, uint32_t tgid, uint64_t *out);
int memhound_tracer_forget_go_gc_cycles(struct memhound_tracer *tracer, uint32_t tgid);

/* ---- unwind tables (bpf/unwind.bpf.h) ----------------------------------- */

/* Rows the table array holds. */
uint32_t memhound_tracer_unwind_capacity(const struct memhound_tracer *tracer);
/* Writes rows [first, first + count) of the table array. */
int memhound_tracer_write_unwind_rows(struct memhound_tracer *tracer, uint32_t first,
				      const struct memhound_unwind_row *rows, uint32_t count);
/* Sets (or, with NULL, removes) the executable mappings of tgid. */
int memhound_tracer_set_unwind_maps(struct memhound_tracer *tracer, uint32_t tgid,
				    const struct memhound_unwind_maps *maps);
/* Makes a file's rows findable through the VMAs that map it (map unwind_files). */
int memhound_tracer_set_unwind_file(struct memhound_tracer *tracer, const struct memhound_unwind_file_key *key,
				    const struct memhound_unwind_file *file);
/* The misses counted for tgid's mappings (a pc in none of them); -ENOENT when it has none. */
int memhound_tracer_unwind_misses(struct memhound_tracer *tracer, uint32_t tgid, uint32_t *out);
/* Stacks of a set that were unwound with tables (they sit in the second table). */
uint32_t memhound_tracer_unwound_used(const struct memhound_tracer *tracer, uint32_t set);

/* Waits up to timeout_ms for records, then drains those ready for 50 ms at most. Returns how many. */
int memhound_tracer_poll(struct memhound_tracer *tracer, int timeout_ms,
			 memhound_record_fn callback, void *context);
/*
 * Takes every record kept in the overflow table (the ring buffer was full),
 * in no particular order, and hands each to callback. Returns how many.
 */
int memhound_tracer_take_overflow(struct memhound_tracer *tracer, memhound_record_fn callback, void *context);
/*
 * Lists every process visible in memhound's pid namespace with its host tgid
 * (the programs' view) and its tgid there; returns how many there are (more
 * than capacity: call again with room for them all), or -errno.
 */
int memhound_tracer_list_pids(struct memhound_tracer *tracer, struct memhound_pid_pair *out, uint32_t capacity);

/* Deletes a process's entries from the stack growth table; returns how many. */
int memhound_tracer_forget_stack_growth(struct memhound_tracer *tracer, uint32_t tgid);

/* ---- the two sets of stack tables (MH_STACK_EPOCH_SHIFT) -------------- */

/* Copies the user stack `stack_id` (leaf first) and its memhound_stack_flags; returns the number of frames. */
int memhound_tracer_read_stack(struct memhound_tracer *tracer, int32_t stack_id,
			       uint64_t *frames, uint32_t capacity, uint32_t *flags);
/* Stacks one set's kernel table holds, and its second table's slots. */
uint32_t memhound_tracer_stack_table_entries(const struct memhound_tracer *tracer);
uint32_t memhound_tracer_collided_capacity(const struct memhound_tracer *tracer);
/* Slots of the second table the set has used: it fills as the first one does. */
uint32_t memhound_tracer_collided_used(const struct memhound_tracer *tracer, uint32_t set);
/* The epoch new stacks are walked in (its set is epoch & 1). */
uint32_t memhound_tracer_stack_epoch(const struct memhound_tracer *tracer);
void memhound_tracer_set_stack_epoch(struct memhound_tracer *tracer, uint32_t epoch);
/* Raw ids (without epoch bits) of every stack a set holds; returns how many. */
int memhound_tracer_stack_ids(struct memhound_tracer *tracer, uint32_t set, uint32_t *out,
			      uint32_t capacity);
/* Empties a set (no longer walked into); returns the stacks removed. */
int memhound_tracer_empty_stack_set(struct memhound_tracer *tracer, uint32_t set);
/* Removes one entry of the stack growth table. */
int memhound_tracer_delete_stack_growth(struct memhound_tracer *tracer, const struct memhound_stack_key *key);

/*
 * Program runs the kernel skipped (a tracepoint that fired while a BPF program
 * was already running on that CPU): events missed, of any process.
 */
uint64_t memhound_tracer_missed_runs(const struct memhound_tracer *tracer);

/* Sums the per-CPU counters into out[MH_STAT_COUNT]. */
int memhound_tracer_read_stats(struct memhound_tracer *tracer, uint64_t *out);

/*
 * Iterates the stack growth table: pass has_previous=false first, then the last key.
 * Returns 1 with *key and *growth filled, 0 at the end, or -errno.
 */
int memhound_tracer_next_stack_growth(struct memhound_tracer *tracer, bool has_previous,
			      const struct memhound_stack_key *previous,
			      struct memhound_stack_key *key, struct memhound_stack_growth *growth);

/* ---- TCP retransmits: the second BPF object (bpf/tcp.bpf.c) ----------- */

struct memhound_tcp;

/*
 * Opens and loads the TCP programs over the tracer's target set, ring buffer
 * and loss counters; nothing is attached yet. The tracer must outlive it.
 */
int memhound_tcp_open(struct memhound_tracer *tracer, struct memhound_tcp **out);
/* Attaches every TCP tracepoint; on failure memhound_tcp_failed_program names it. */
int memhound_tcp_attach(struct memhound_tcp *tcp);
const char *memhound_tcp_failed_program(const struct memhound_tcp *tcp);
/*
 * Finds the owners of the TCP sockets open now (iterator over every task's
 * files); call after attaching. Returns how many sockets it recorded.
 */
int memhound_tcp_seed(struct memhound_tcp *tcp);
/* Retransmits counted for a target; zeros when it had none. */
int memhound_tcp_read_counts(struct memhound_tcp *tcp, uint32_t tgid,
			     struct memhound_tcp_counts *out);
/* Forgets a target's counters (when it leaves the traced set). */
void memhound_tcp_remove_target(struct memhound_tcp *tcp, uint32_t tgid);
/* Retransmits in network namespace `netns` (inode) whose owner was unknown. */
int memhound_tcp_read_unattributed(struct memhound_tcp *tcp, uint32_t netns,
				   struct memhound_tcp_counts *out);
/*
 * Retransmits that could not be counted: of targets when the counter table was
 * full, and of anyone when the kernel skipped the retransmit programs.
 */
uint64_t memhound_tcp_lost(const struct memhound_tcp *tcp);
/* Runs the kernel skipped of all the TCP programs (see memhound_tracer_missed_runs). */
uint64_t memhound_tcp_missed_runs(const struct memhound_tcp *tcp);
/* Frees everything; accepts NULL. */
void memhound_tcp_destroy(struct memhound_tcp *tcp);

/* The last messages libbpf logged (for diagnostics on request). */
const char *memhound_libbpf_log(void);

/* ---- host checks ------------------------------------------------------ */

/* 1 when the kernel can create a ring buffer map, 0 when not, -errno on error. */
int memhound_probe_ring_buffer(void);

#endif /* MEMHOUND_BPF_H */

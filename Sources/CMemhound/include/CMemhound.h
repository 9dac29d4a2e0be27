/*
 * The C side of memhound: loads the embedded BPF object over libbpf, reads its
 * maps, symbolizes with elfutils, and starts traced children.
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; nothing here prints.
 */
#ifndef CMEMHOUND_H
#define CMEMHOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../../bpf/memhound.h"

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

int memhound_tracer_add_target(struct memhound_tracer *tracer, uint32_t tgid, uint32_t state,
			       uint32_t flags);
/* Sets and clears enum memhound_target_flags bits of a target. */
int memhound_tracer_set_target_flags(struct memhound_tracer *tracer, uint32_t tgid, uint32_t set,
				     uint32_t clear);
int memhound_tracer_remove_target(struct memhound_tracer *tracer, uint32_t tgid);
int memhound_tracer_read_target(struct memhound_tracer *tracer, uint32_t tgid,
				struct memhound_target *out);

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

/* ---- the two sets of stack tables (MH_STACK_EPOCH_SHIFT) -------------- */

/* Copies the user stack `stack_id` (leaf first); returns the number of frames. */
int memhound_tracer_read_stack(struct memhound_tracer *tracer, int32_t stack_id,
			       uint64_t *frames, uint32_t capacity);
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
/* Removes one entry of the site table. */
int memhound_tracer_delete_site(struct memhound_tracer *tracer, const struct memhound_site_key *key);

/*
 * Program runs the kernel skipped (a tracepoint that fired while a BPF program
 * was already running on that CPU): events missed, of any process.
 */
uint64_t memhound_tracer_missed_runs(const struct memhound_tracer *tracer);

/* Sums the per-CPU counters into out[MH_STAT_COUNT]. */
int memhound_tracer_read_stats(struct memhound_tracer *tracer, uint64_t *out);

/*
 * Iterates the site table: pass has_previous=false first, then the last key.
 * Returns 1 with *key and *growth filled, 0 at the end, or -errno.
 */
int memhound_tracer_next_site(struct memhound_tracer *tracer, bool has_previous,
			      const struct memhound_site_key *previous,
			      struct memhound_site_key *key, struct memhound_site_growth *growth);

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

/* Deletes a process's entries from the site table; returns how many. */
int memhound_tracer_forget_sites(struct memhound_tracer *tracer, uint32_t tgid);

/* The last messages libbpf logged (for diagnostics on request). */
const char *memhound_libbpf_log(void);

/* ---- host checks ------------------------------------------------------ */

/* 1 when the kernel can create a ring buffer map, 0 when not, -errno on error. */
int memhound_probe_ring_buffer(void);

/* ---- symbols (elfutils libdwfl) --------------------------------------- */

struct memhound_elf;

struct memhound_elf_segment {
	uint64_t offset;  /* p_offset */
	uint64_t vaddr;   /* p_vaddr */
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags;   /* PF_X | PF_W | PF_R */
};

/* Opens an ELF file for symbol lookup (the fd is duplicated; the caller keeps its own). */
int memhound_elf_open(int fd, const char *name, struct memhound_elf **out);
void memhound_elf_close(struct memhound_elf *elf);
/* 1 when the file has a section of that name, else 0. */
int memhound_elf_has_section(const struct memhound_elf *elf, const char *name);
/* ET_EXEC = 2, ET_DYN = 3. */
int memhound_elf_type(const struct memhound_elf *elf);
/* Copies up to capacity PT_LOAD segments; returns how many the file has. */
int memhound_elf_segments(const struct memhound_elf *elf, struct memhound_elf_segment *out,
			  uint32_t capacity);

struct memhound_symbol {
	const char *name;     /* valid until the elf is closed; NULL: no symbol */
	uint64_t offset;      /* address - symbol start */
	const char *file;     /* source file or NULL */
	int32_t line;         /* 0 when unknown */
};

/* Looks up a link-time virtual address of the file. */
int memhound_elf_lookup(struct memhound_elf *elf, uint64_t vaddr, struct memhound_symbol *out);

struct memhound_inline_frame {
	const char *function; /* valid until the elf is closed; NULL when unnamed */
	const char *file;
	int32_t line;
	bool inlined;         /* false for the function all the others were inlined into */
};

/*
 * The chain of functions inlined at `vaddr`, innermost first, ending with the
 * function they were inlined into (from DWARF). Returns how many (0: no DWARF).
 */
int memhound_elf_inlines(struct memhound_elf *elf, uint64_t vaddr, struct memhound_inline_frame *out,
			 uint32_t capacity);

/*
 * The canonical frame address rule at `vaddr` from the file's CFI: CFA =
 * register `reg` (DWARF number: 6 rbp, 7 rsp) + `offset`. -ENOENT without CFI
 * for that address, -ENOTSUP when the rule is an expression.
 */
int memhound_elf_cfa(struct memhound_elf *elf, uint64_t vaddr, int *reg, int64_t *offset);

/* ---- unwinding copied stacks (elfutils libdwfl) ----------------------- */

struct memhound_unwinder;

/*
 * A session for one process: modules from `maps_text` (a /proc/PID/maps
 * snapshot), each opened at once as `root` + path (e.g. "/proc/42/root").
 */
int memhound_unwinder_open(const char *maps_text, const char *root, int32_t pid,
			   struct memhound_unwinder **out);
void memhound_unwinder_close(struct memhound_unwinder *unwinder);
/*
 * Unwinds from `regs` (MH_UNWIND_REGS, DWARF order) over `size` bytes of stack
 * copied from regs[7]. Writes program counters, leaf first (callers' are return
 * addresses); returns how many.
 */
int memhound_unwind(struct memhound_unwinder *unwinder, int32_t tid, const uint64_t *regs,
		    const uint8_t *stack, size_t size, uint64_t *pcs, uint32_t capacity);

/* ---- demangling (libstdc++) ------------------------------------------- */

/*
 * Demangles an Itanium C++ name (_Z...) into `out` with __cxa_demangle.
 * Returns the length written (without the NUL), -EINVAL when `mangled` is not
 * a valid name, -ENAMETOOLONG when the result does not fit `capacity`.
 */
int memhound_demangle_cxx(const char *mangled, char *out, size_t capacity);

/* ---- processes -------------------------------------------------------- */

struct memhound_child {
	pid_t pid;
	int release_fd; /* write end: one byte lets the child exec */
	int status_fd;  /* read end: EOF on exec, or the errno of a failed execve */
};

/*
 * Forks a child that waits, then execs argv[0] (PATH search) with stdout and
 * stderr sent to `output_fd`. It runs nothing of the program until
 * memhound_child_release is called, so it can be traced first.
 */
int memhound_child_spawn(char *const argv[], int output_fd, struct memhound_child *out);
/* Lets the child exec; returns 0, or -errno from a failed execve (the child then exits 127). */
int memhound_child_release(struct memhound_child *child);
/* Kills a child that was never released. */
void memhound_child_abandon(struct memhound_child *child);

/* Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal, and ignores SIGPIPE. */
void memhound_signals_install(void);
/* The last termination signal received, or 0. */
int memhound_signals_pending(void);
/* How many termination signals were received so far. */
int memhound_signals_received(void);

/* "ENOMEM" for ENOMEM, or NULL. */
const char *memhound_errno_name(int err);
/* "INT" for SIGINT, or NULL. */
const char *memhound_signal_name(int sig);

/* ---- built-in demo workload ----------------------------------------- */

int memhound_demo_cache_grow(size_t bytes);
int memhound_demo_scratch_churn(size_t bytes);

#endif /* CMEMHOUND_H */

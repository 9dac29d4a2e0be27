/* Loader for the embedded BPF object: open -> configure -> load -> attach -> poll. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memhound_bpf.h"
#include "loader.h"
#include "tracer.h"

/* libbpf's own messages are kept, not printed: the caller shows them on request. */
static char libbpf_log[4096];

static int keep_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	size_t used = strlen(libbpf_log);

	if (level == LIBBPF_DEBUG)
		return 0;
	if (used > sizeof(libbpf_log) - 256)
		used = 0; /* keep the latest messages */
	vsnprintf(libbpf_log + used, sizeof(libbpf_log) - used, fmt, args);
	return 0;
}

const char *memhound_libbpf_log(void)
{
	return libbpf_log;
}

/*
 * How long one poll hands records over, at most: a producer as fast as the
 * consumer would otherwise keep the drain going, and the caller's periodic
 * work (reports, recycling stack tables) would wait for the target to pause.
 */
#define POLL_BUDGET_NS 50000000LL
/* Returned by the callback to stop libbpf's drain once the budget is spent (the record is consumed). */
#define BUDGET_SPENT (-ECANCELED)

static long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int ring_record(void *ctx, void *data, size_t size)
{
	struct memhound_tracer *t = ctx;
	int err = t->callback ? t->callback(t->context, data, size) : 0;

	if (err)
		return err;
	/* The clock is read every 256 records: cheap next to handling them. */
	if (++t->handled % 256 == 0 && monotonic_ns() >= t->deadline_ns)
		return BUDGET_SPENT;
	return 0;
}

/*
 * Both sets of stack tables: `entries` stacks each (0: the default), a quarter
 * more for collisions. Rounded up to a power of two: the kernel's table has
 * that many buckets, and ids are bucket numbers.
 */
static int size_stack_tables(struct memhound_bpf *skel, uint32_t entries, bool unwinding)
{
	uint32_t collided, buckets = 1;
	int err;

	if (!entries)
		entries = MH_STACK_TABLE_ENTRIES;
	if (entries > MH_COLLIDED_STACK_BASE)
		return -EINVAL;
	while (buckets < entries)
		buckets <<= 1;
	entries = buckets;
	collided = entries / 4 ? entries / 4 : 1;
	/* Stacks unwound with tables are all kept in the second table. */
	if (unwinding)
		collided += entries;
	err = bpf_map__set_max_entries(skel->maps.stacks, entries);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.stacks_odd, entries);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.collided_stacks, 2 * collided);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.collided_index, 2 * collided);
	skel->rodata->collided_capacity = collided;
	return err;
}

int memhound_tracer_open(const struct memhound_tracer_options *options,
			 struct memhound_tracer **out)
{
	struct memhound_tracer *t;
	int err;

	libbpf_set_print(keep_libbpf_log);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		err = t->ncpus ? t->ncpus : -EINVAL;
		goto fail;
	}
	t->skel = memhound_bpf__open();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	t->skel->rodata->follow_children = options->follow_children;
	t->skel->rodata->sample_every = options->sample_every > 1 ? options->sample_every : 1;
	t->skel->rodata->chain_floor = options->mmap_min_addr;
	t->skel->rodata->nr_cpus = t->ncpus;
	t->skel->rodata->check_stack_reuse = options->check_stack_reuse;
	t->skel->rodata->unwind_with_tables = options->unwind_with_tables;
	t->skel->rodata->check_unwind = options->check_unwind && options->unwind_with_tables;
	t->skel->rodata->watch_all = options->watch_all;
	t->skel->rodata->watch_cgroups = options->watch_cgroups;
	if (options->max_targets) {
		err = bpf_map__set_max_entries(t->skel->maps.targets, options->max_targets);
		if (!err)
			err = bpf_map__set_max_entries(t->skel->maps.no_stack_copies, options->max_targets);
		if (err)
			goto fail;
	}
	bpf_program__set_autoattach(t->skel->progs.on_go_gc_cycle, false);
	err = size_stack_tables(t->skel, options->stack_table_entries, options->unwind_with_tables);
	if (!err && options->max_targets)
		err = bpf_map__set_max_entries(t->skel->maps.unwind_mappings, options->max_targets);
	if (!err && options->unwind_rows)
		err = bpf_map__set_max_entries(t->skel->maps.unwind_rows, options->unwind_rows);
	if (!err && !options->unwind_with_tables)
		err = bpf_map__set_max_entries(t->skel->maps.unwind_rows, 1);
	if (err)
		goto fail;
	if (options->ring_buffer_bytes) {
		err = bpf_map__set_max_entries(t->skel->maps.records, options->ring_buffer_bytes);
		if (err)
			goto fail;
	}
	err = memhound_bpf__load(t->skel);
	if (err)
		goto fail;
	t->ring = ring_buffer__new(bpf_map__fd(t->skel->maps.records), ring_record, t, NULL);
	if (!t->ring) {
		err = -errno;
		goto fail;
	}
	*out = t;
	return 0;
fail:
	memhound_tracer_destroy(t);
	return err < 0 ? err : -err;
}

int memhound_attach_programs(struct bpf_object_skeleton *s, const struct bpf_program *skip,
			     const char **failed_program)
{
	int err;

	/* One by one, so that a failure names its program; the skeleton frees the links. */
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		/* Attached elsewhere, on demand (per binary: the Go GC uprobe). */
		if (prog == skip || !bpf_program__autoattach(prog))
			continue;
		*s->progs[i].link = bpf_program__attach(prog);
		if (!*s->progs[i].link) {
			err = -errno;
			*failed_program = bpf_program__section_name(prog);
			return err;
		}
	}
	return 0;
}

static uint64_t program_misses(const struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(prog);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

uint64_t memhound_missed_runs(const struct bpf_object *obj, struct bpf_program *const *progs)
{
	struct bpf_program *prog;
	uint64_t total = 0;

	if (progs) {
		for (; *progs; progs++)
			total += program_misses(*progs);
		return total;
	}
	bpf_object__for_each_program(prog, obj)
		total += program_misses(prog);
	return total;
}

uint64_t memhound_tracer_missed_runs(const struct memhound_tracer *t)
{
	return memhound_missed_runs(t->skel->obj, NULL);
}

int memhound_tracer_attach(struct memhound_tracer *t)
{
	/* The pid iterator runs on demand, from memhound_tracer_list_pids. */
	return memhound_attach_programs(t->skel->skeleton, t->skel->progs.list_pids, &t->failed_program);
}

const char *memhound_tracer_failed_program(const struct memhound_tracer *t)
{
	return t ? t->failed_program : NULL;
}

int memhound_tracer_map_fd(const struct memhound_tracer *t, enum memhound_shared_map which)
{
	switch (which) {
	case MH_MAP_TARGETS:
		return bpf_map__fd(t->skel->maps.targets);
	case MH_MAP_RECORDS:
		return bpf_map__fd(t->skel->maps.records);
	case MH_MAP_STATS:
		return bpf_map__fd(t->skel->maps.stats);
	}
	return -EINVAL;
}

int memhound_tracer_attach_go_gc(struct memhound_tracer *t, const char *binary, uint64_t offset)
{
	struct bpf_link *link;

	if (t->go_gc_link_count == MH_GO_GC_BINARIES)
		return -ENOSPC;
	link = bpf_program__attach_uprobe(t->skel->progs.on_go_gc_cycle, false, -1, binary, offset);
	if (!link)
		return -errno;
	t->go_gc_links[t->go_gc_link_count++] = link;
	return 0;
}

int memhound_tracer_read_go_gc_cycles(struct memhound_tracer *t, uint32_t tgid, uint64_t *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.go_gc_cycles), &tgid, out))
		return -errno;
	return 0;
}

int memhound_tracer_forget_go_gc_cycles(struct memhound_tracer *t, uint32_t tgid)
{
	if (bpf_map_delete_elem(bpf_map__fd(t->skel->maps.go_gc_cycles), &tgid) && errno != ENOENT)
		return -errno;
	return 0;
}

void memhound_tracer_destroy(struct memhound_tracer *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->go_gc_link_count; i++)
		bpf_link__destroy(t->go_gc_links[i]);
	ring_buffer__free(t->ring);
	memhound_bpf__destroy(t->skel);
	free(t);
}

int memhound_tracer_add_target(struct memhound_tracer *t, uint32_t tgid, uint32_t state,
			       uint32_t flags, bool exclusive)
{
	struct memhound_target value = { .state = state, .flags = flags };

	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.targets), &tgid, &value,
				exclusive ? BPF_NOEXIST : BPF_ANY))
		return -errno;
	return 0;
}

int memhound_tracer_watch_cgroup(struct memhound_tracer *t, uint64_t id, uint32_t hierarchy)
{
	struct memhound_cgroup_key key = { .id = id, .hierarchy = hierarchy };
	uint8_t on = 1;

	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.watched_cgroups), &key, &on, BPF_ANY))
		return -errno;
	return 0;
}

int memhound_tracer_set_stack_copies(struct memhound_tracer *t, uint32_t tgid, bool on)
{
	int fd = bpf_map__fd(t->skel->maps.no_stack_copies);
	uint8_t off = 1;

	if (on)
		return bpf_map_delete_elem(fd, &tgid) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(fd, &tgid, &off, BPF_ANY) ? -errno : 0;
}

int memhound_tracer_remove_target(struct memhound_tracer *t, uint32_t tgid)
{
	bpf_map_delete_elem(bpf_map__fd(t->skel->maps.no_stack_copies), &tgid);
	if (bpf_map_delete_elem(bpf_map__fd(t->skel->maps.targets), &tgid))
		return -errno;
	return 0;
}

int memhound_tracer_read_target(struct memhound_tracer *t, uint32_t tgid,
				struct memhound_target *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.targets), &tgid, out))
		return -errno;
	return 0;
}

int memhound_tracer_poll(struct memhound_tracer *t, int timeout_ms,
			 memhound_record_fn callback, void *context)
{
	int err;

	t->callback = callback;
	t->context = context;
	t->handled = 0;
	t->deadline_ns = monotonic_ns() + (t->backlog ? 0 : timeout_ms * 1000000LL) + POLL_BUDGET_NS;
	/*
	 * Producers wake the consumer only when it has caught up, so after a
	 * drain cut short no wakeup comes: go straight on with the backlog.
	 * Otherwise poll may still time out with records waiting: consume after.
	 */
	err = t->backlog ? 0 : ring_buffer__poll(t->ring, timeout_ms);
	if (err >= 0 || err == -EINTR)
		err = ring_buffer__consume(t->ring);
	t->backlog = err == BUDGET_SPENT;
	if (err < 0 && err != BUDGET_SPENT && err != -EINTR)
		return err;
	return t->handled;
}

int memhound_tracer_list_pids(struct memhound_tracer *t, struct memhound_pid_pair *out, uint32_t capacity)
{
	struct memhound_pid_pair pair;
	struct bpf_link *link;
	uint32_t count = 0;
	ssize_t n;
	int fd, err = 0;

	link = bpf_program__attach_iter(t->skel->progs.list_pids, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while ((n = read(fd, &pair, sizeof(pair))) == sizeof(pair)) {
		if (count < capacity)
			out[count] = pair;
		count++;
	}
	if (n < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	return err ? err : (int)count;
}

#define OVERFLOW_BATCH 1024

int memhound_tracer_take_overflow(struct memhound_tracer *t, memhound_record_fn callback, void *context)
{
	static struct memhound_overflow_key keys[OVERFLOW_BATCH];
	static struct memhound_overflow_record values[OVERFLOW_BATCH];
	int fd = bpf_map__fd(t->skel->maps.overflow);
	__u64 in = 0, out = 0;
	bool first = true;
	int taken = 0;

	/* One syscall per batch: under overload the table is full at every drain. */
	for (int round = 0; round <= MH_OVERFLOW_ENTRIES / OVERFLOW_BATCH + 1; round++) {
		__u32 count = OVERFLOW_BATCH;
		int err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in, &out, keys, values, &count, NULL);

		if (err && errno != ENOENT)
			return taken ? taken : -errno;
		for (__u32 i = 0; i < count; i++) {
			if (values[i].size <= sizeof(values[i].data)) {
				callback(context, values[i].data, values[i].size);
				taken++;
			}
		}
		if (err) /* ENOENT: the walk reached the end */
			break;
		in = out;
		first = false;
	}
	return taken;
}

int memhound_tracer_read_stats(struct memhound_tracer *t, uint64_t *out)
{
	uint64_t *percpu = calloc(t->ncpus, sizeof(uint64_t));
	int fd = bpf_map__fd(t->skel->maps.stats);

	if (!percpu)
		return -ENOMEM;
	for (uint32_t key = 0; key < MH_STAT_COUNT; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			free(percpu);
			return -errno;
		}
		for (int cpu = 0; cpu < t->ncpus; cpu++)
			out[key] += percpu[cpu];
	}
	free(percpu);
	return 0;
}

int memhound_tracer_next_stack_growth(struct memhound_tracer *t, bool has_previous,
			      const struct memhound_stack_key *previous,
			      struct memhound_stack_key *key, struct memhound_stack_growth *growth)
{
	int fd = bpf_map__fd(t->skel->maps.stack_growth);
	struct memhound_stack_growth *percpu;
	int err;

	if (bpf_map_get_next_key(fd, has_previous ? previous : NULL, key))
		return errno == ENOENT ? 0 : -errno;
	percpu = calloc(t->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, key, percpu)) {
		err = errno;
		free(percpu);
		return err == ENOENT ? memhound_tracer_next_stack_growth(t, true, key, key, growth) : -err;
	}
	/* The table is per CPU: one process's stack grows on whichever CPU it ran. */
	memset(growth, 0, sizeof(*growth));
	for (int cpu = 0; cpu < t->ncpus; cpu++) {
		growth->bytes += percpu[cpu].bytes;
		growth->increments += percpu[cpu].increments;
		growth->unlocated += percpu[cpu].unlocated;
		growth->released += percpu[cpu].released;
		if (percpu[cpu].word_at_sp)
			growth->word_at_sp = percpu[cpu].word_at_sp;
	}
	free(percpu);
	return 1;
}

int memhound_tracer_forget_stack_growth(struct memhound_tracer *t, uint32_t tgid)
{
	int fd = bpf_map__fd(t->skel->maps.stack_growth);
	struct memhound_stack_key key, next;
	bool has_key = false;
	int removed = 0;

	/* Collect first: deleting while walking with get_next_key would restart the walk. */
	while (bpf_map_get_next_key(fd, has_key ? &key : NULL, &next) == 0) {
		key = next;
		has_key = true;
		if (next.tgid == tgid && bpf_map_delete_elem(fd, &next) == 0) {
			removed++;
			has_key = false; /* the walk restarts from the beginning */
		}
	}
	return removed;
}

int memhound_probe_ring_buffer(void)
{
	int ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);

	return ret;
}



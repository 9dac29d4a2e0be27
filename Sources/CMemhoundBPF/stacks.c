/*
 * The two sets of stack tables (see MH_STACK_EPOCH_SHIFT in Sources/MemhoundABI/include/memhound.h):
 * reading a stack by id, listing a set's ids, emptying a set, flipping epochs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memhound_bpf.h"
#include "tracer.h"

static int stack_map_fd(const struct memhound_tracer *t, uint32_t set)
{
	return bpf_map__fd(set & 1 ? t->skel->maps.stacks_odd : t->skel->maps.stacks);
}

uint32_t memhound_tracer_collided_capacity(const struct memhound_tracer *t)
{
	return t->skel->rodata->collided_capacity;
}

uint32_t memhound_tracer_stack_table_entries(const struct memhound_tracer *t)
{
	return bpf_map__max_entries(t->skel->maps.stacks);
}

int memhound_tracer_read_stack(struct memhound_tracer *t, int32_t stack_id,
			       uint64_t *frames, uint32_t capacity, uint32_t *flags)
{
	struct memhound_stack_ips collided = { 0 };
	__u64 ips[MH_MAX_STACK_DEPTH] = { 0 }, *found = ips;
	uint32_t cap = memhound_tracer_collided_capacity(t);
	uint32_t set = ((uint32_t)stack_id >> MH_STACK_EPOCH_SHIFT) & 1;
	uint32_t raw = (uint32_t)stack_id & MH_STACK_RAW_MASK, n;

	*flags = 0;
	if (stack_id < 0)
		return -ENOENT;
	if (raw >= MH_COLLIDED_STACK_BASE) {
		raw -= MH_COLLIDED_STACK_BASE;
		if (raw >= cap)
			return -ENOENT;
		raw += set * cap;
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.collided_stacks), &raw, &collided))
			return -errno;
		found = collided.ips;
		*flags = collided.flags;
	} else if (bpf_map_lookup_elem(stack_map_fd(t, set), &raw, ips)) {
		return -errno;
	}
	for (n = 0; n < MH_MAX_STACK_DEPTH && n < capacity && found[n]; n++)
		frames[n] = found[n];
	return (int)n;
}

uint32_t memhound_tracer_stack_epoch(const struct memhound_tracer *t)
{
	return __atomic_load_n(&t->skel->bss->stack_epoch, __ATOMIC_RELAXED) % MH_STACK_EPOCHS;
}

void memhound_tracer_set_stack_epoch(struct memhound_tracer *t, uint32_t epoch)
{
	__atomic_store_n(&t->skel->bss->stack_epoch, epoch % MH_STACK_EPOCHS, __ATOMIC_RELEASE);
}

uint32_t memhound_tracer_collided_used(const struct memhound_tracer *t, uint32_t set)
{
	uint32_t used = __atomic_load_n(&t->skel->bss->collided_used[set & 1], __ATOMIC_RELAXED);
	uint32_t cap = memhound_tracer_collided_capacity(t);

	return used < cap ? used : cap;
}

/* The ids (bucket numbers) a set's stack table holds, at most `capacity`; or -errno. */
static int table_ids(int fd, uint32_t *out, uint32_t capacity)
{
	uint32_t n = 0;

	/* A walk from a deleted id restarts at the first one: callers collect before deleting. */
	while (n < capacity && bpf_map_get_next_key(fd, n ? &out[n - 1] : NULL, &out[n]) == 0)
		n++;
	if (n < capacity && errno != ENOENT)
		return -errno;
	return (int)n;
}

int memhound_tracer_stack_ids(struct memhound_tracer *t, uint32_t set, uint32_t *out,
			      uint32_t capacity)
{
	uint32_t used = memhound_tracer_collided_used(t, set);
	int n = table_ids(stack_map_fd(t, set), out, capacity);

	for (uint32_t slot = 0; n >= 0 && slot < used && (uint32_t)n < capacity; slot++)
		out[n++] = MH_COLLIDED_STACK_BASE + slot;
	return n;
}

int memhound_tracer_empty_stack_set(struct memhound_tracer *t, uint32_t set)
{
	int fd = stack_map_fd(t, set), index = bpf_map__fd(t->skel->maps.collided_index);
	uint32_t entries = memhound_tracer_stack_table_entries(t);
	uint32_t size = bpf_map__max_entries(t->skel->maps.collided_index), n = 0;
	struct memhound_collided_key *keys = calloc(size, sizeof(*keys));
	uint32_t *ids = calloc(entries, sizeof(*ids));
	int found, removed = 0;

	if (!keys || !ids) {
		free(keys);
		free(ids);
		return -ENOMEM;
	}
	found = table_ids(fd, ids, entries);
	for (int i = 0; i < found; i++)
		if (bpf_map_delete_elem(fd, &ids[i]) == 0)
			removed++;
	while (n < size && bpf_map_get_next_key(index, n ? &keys[n - 1] : NULL, &keys[n]) == 0)
		n++;
	for (uint32_t i = 0; i < n; i++)
		if (keys[i].set == (set & 1))
			bpf_map_delete_elem(index, &keys[i]);
	free(keys);
	free(ids);
	__atomic_store_n(&t->skel->bss->unwound_used[set & 1], 0, __ATOMIC_RELAXED);
	/* Last: slots are handed out again only once nothing points at them. */
	__atomic_store_n(&t->skel->bss->collided_used[set & 1], 0, __ATOMIC_RELEASE);
	return found < 0 ? found : removed;
}

int memhound_tracer_delete_stack_growth(struct memhound_tracer *t, const struct memhound_stack_key *key)
{
	if (bpf_map_delete_elem(bpf_map__fd(t->skel->maps.stack_growth), key))
		return -errno;
	return 0;
}

uint32_t memhound_tracer_unwound_used(const struct memhound_tracer *t, uint32_t set)
{
	return __atomic_load_n(&t->skel->bss->unwound_used[set & 1], __ATOMIC_RELAXED);
}

uint32_t memhound_tracer_unwind_capacity(const struct memhound_tracer *t)
{
	return t->skel->rodata->unwind_with_tables ? bpf_map__max_entries(t->skel->maps.unwind_rows) : 0;
}

/* After every write to the tables, so that no walk kept with the old ones is reused (bpf/walkproof.bpf.h). */
static void tables_changed(struct memhound_tracer *t)
{
	__atomic_fetch_add(&t->skel->bss->unwind_generation, 1, __ATOMIC_RELEASE);
}

int memhound_tracer_write_unwind_rows(struct memhound_tracer *t, uint32_t first,
				      const struct memhound_unwind_row *rows, uint32_t count)
{
	int fd = bpf_map__fd(t->skel->maps.unwind_rows);
	uint32_t cap = memhound_tracer_unwind_capacity(t), *keys;
	uint32_t done = 0;

	if (first > cap || count > cap - first)
		return -ENOSPC;
	keys = malloc(sizeof(*keys) * (count ? count : 1));
	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		keys[i] = first + i;
	/* In batches: one syscall per many rows (a large library has 100,000). */
	while (done < count) {
		__u32 n = count - done;

		if (bpf_map_update_batch(fd, keys + done, rows + done, &n, NULL)) {
			int err = -errno;

			free(keys);
			tables_changed(t);
			return err;
		}
		done += n;
	}
	free(keys);
	tables_changed(t);
	return 0;
}

int memhound_tracer_set_unwind_maps(struct memhound_tracer *t, uint32_t tgid,
				    const struct memhound_unwind_maps *maps)
{
	int fd = bpf_map__fd(t->skel->maps.unwind_mappings);
	int err;

	if (!maps)
		err = bpf_map_delete_elem(fd, &tgid) && errno != ENOENT ? -errno : 0;
	else
		err = bpf_map_update_elem(fd, &tgid, maps, BPF_ANY) ? -errno : 0;
	tables_changed(t);
	return err;
}

int memhound_tracer_unwind_misses(struct memhound_tracer *t, uint32_t tgid, uint32_t *out)
{
	struct memhound_unwind_maps maps;

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.unwind_mappings), &tgid, &maps))
		return -errno;
	*out = maps.misses;
	return 0;
}

int memhound_tracer_set_unwind_file(struct memhound_tracer *t, const struct memhound_unwind_file_key *key,
				    const struct memhound_unwind_file *file)
{
	int err = bpf_map_update_elem(bpf_map__fd(t->skel->maps.unwind_files), key, file, BPF_ANY) ? -errno : 0;

	tables_changed(t);
	return err;
}

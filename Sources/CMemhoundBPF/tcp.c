/*
 * Loader for the TCP object (bpf/tcp.bpf.c): open -> share the memory
 * object's maps -> load -> attach -> seed the socket owners from the
 * sockets already open -> read counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memhound_bpf.h"
#include "loader.h"
#include "tcp.skel.h"
#include "tracer.h"

struct memhound_tcp {
	struct memhound_tcp_bpf *skel;
	const char *failed_program;
};

/* One target set, one ring buffer, one set of loss counters for both objects. */
static int share_maps(struct memhound_tcp_bpf *skel, const struct memhound_tracer *tracer)
{
	const struct {
		struct bpf_map *map;
		enum memhound_shared_map which;
	} shared[] = {
		{ skel->maps.targets, MH_MAP_TARGETS },
		{ skel->maps.records, MH_MAP_RECORDS },
		{ skel->maps.stats, MH_MAP_STATS },
	};

	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		int fd = memhound_tracer_map_fd(tracer, shared[i].which);
		int err = fd < 0 ? fd : bpf_map__reuse_fd(shared[i].map, fd);

		if (err)
			return err;
	}
	return 0;
}

int memhound_tcp_open(struct memhound_tracer *tracer, struct memhound_tcp **out)
{
	struct memhound_tcp *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->skel = memhound_tcp_bpf__open();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	err = share_maps(t->skel, tracer);
	if (err)
		goto fail;
	err = memhound_tcp_bpf__load(t->skel);
	if (err)
		goto fail;
	/* memhound's pid namespace, as the memory object learnt it (memhound_tracer_list_pids). */
	t->skel->bss->pidns_level = tracer->skel->bss->pidns_level;
	t->skel->bss->pidns_inum = tracer->skel->bss->pidns_inum;
	*out = t;
	return 0;
fail:
	memhound_tcp_destroy(t);
	return err < 0 ? err : -err;
}

int memhound_tcp_attach(struct memhound_tcp *t)
{
	/* The iterator runs once, from memhound_tcp_seed. */
	return memhound_attach_programs(t->skel->skeleton, t->skel->progs.seed_owners, &t->failed_program);
}

const char *memhound_tcp_failed_program(const struct memhound_tcp *t)
{
	return t ? t->failed_program : NULL;
}

int memhound_tcp_seed(struct memhound_tcp *t)
{
	struct bpf_link *link;
	char buf[256];
	ssize_t n;
	int fd, err = 0;

	link = bpf_program__attach_iter(t->skel->progs.seed_owners, NULL);
	if (!link) {
		t->failed_program = bpf_program__section_name(t->skel->progs.seed_owners);
		return -errno;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* The program writes nothing; reading drives it over every task's files. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	if (err)
		return err;
	return (int)t->skel->bss->seeded_sockets;
}

/* A counts entry, or zeros when there is none yet. */
static int read_counts(const struct bpf_map *map, uint32_t key, struct memhound_tcp_counts *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, out) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	*out = (struct memhound_tcp_counts){ 0 };
	return 0;
}

int memhound_tcp_read_counts(struct memhound_tcp *t, uint32_t tgid,
			     struct memhound_tcp_counts *out)
{
	return read_counts(t->skel->maps.tcp_counts, tgid, out);
}

void memhound_tcp_remove_target(struct memhound_tcp *t, uint32_t tgid)
{
	bpf_map_delete_elem(bpf_map__fd(t->skel->maps.tcp_counts), &tgid);
}

int memhound_tcp_read_unattributed(struct memhound_tcp *t, uint32_t netns,
				   struct memhound_tcp_counts *out)
{
	return read_counts(t->skel->maps.tcp_unattributed, netns, out);
}

uint64_t memhound_tcp_lost(const struct memhound_tcp *t)
{
	struct bpf_program *retransmits[] = { t->skel->progs.on_retransmit_skb,
					      t->skel->progs.on_retransmit_synack, NULL };

	return t->skel->bss->lost_counts + memhound_missed_runs(t->skel->obj, retransmits);
}

uint64_t memhound_tcp_missed_runs(const struct memhound_tcp *t)
{
	return memhound_missed_runs(t->skel->obj, NULL);
}

void memhound_tcp_destroy(struct memhound_tcp *t)
{
	if (!t)
		return;
	memhound_tcp_bpf__destroy(t->skel);
	free(t);
}

/* Internal to the C module: what the memory and TCP loaders share. */
#ifndef MEMHOUND_LOADER_H
#define MEMHOUND_LOADER_H

#include <bpf/libbpf.h>

/*
 * Attaches every program of a skeleton but `skip` (may be NULL), one by one
 * so that a failure names its program in *failed_program. Returns 0 or -errno;
 * the skeleton's destroy frees the links.
 */
int memhound_attach_programs(struct bpf_object_skeleton *s, const struct bpf_program *skip,
			     const char **failed_program);

/*
 * Runs the kernel skipped of the given programs (NULL-terminated), or of every
 * program of `obj` when `progs` is NULL: a program is not run when it fires
 * while it (tp_btf) or any BPF program (classic tracepoints) is already running
 * on that CPU, and the kernel counts each such run in recursion_misses.
 */
uint64_t memhound_missed_runs(const struct bpf_object *obj, struct bpf_program *const *progs);

#endif /* MEMHOUND_LOADER_H */

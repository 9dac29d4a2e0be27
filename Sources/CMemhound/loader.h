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

#endif /* MEMHOUND_LOADER_H */

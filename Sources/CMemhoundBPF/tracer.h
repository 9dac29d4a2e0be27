/* Internal to the C module: the memory tracer's state, shared by its source files. */
#ifndef MEMHOUND_TRACER_H
#define MEMHOUND_TRACER_H

#include "memhound_bpf.h"
#include "memhound.skel.h"

/* Go binaries whose GC cycles are counted, at most. */
#define MH_GO_GC_BINARIES 64

struct memhound_tracer {
	struct memhound_bpf *skel;
	struct ring_buffer *ring;
	memhound_record_fn callback;
	void *context;
	const char *failed_program;
	int ncpus;
	int handled; /* records handed over by the current poll */
	bool backlog; /* the last poll stopped with records left */
	long long deadline_ns; /* CLOCK_MONOTONIC: the current poll stops handing records over */
	/* Go GC uprobes, one per distinct Go binary traced */
	struct bpf_link *go_gc_links[MH_GO_GC_BINARIES];
	int go_gc_link_count;
};

#endif /* MEMHOUND_TRACER_H */

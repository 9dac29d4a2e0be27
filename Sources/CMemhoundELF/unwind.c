/*
 * Unwinding a copied user stack with the binaries' CFI (elfutils libdwfl), for
 * code built without frame pointers. One session per process: its modules are
 * reported from a snapshot of /proc/PID/maps and opened through the process's
 * root at once, so containers and processes that have since exited unwind too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>

#include "memhound.h"
#include "memhound_unwind.h"

struct memhound_unwinder {
	Dwfl *dwfl;
	bool attached;
	pid_t tid;
	const uint64_t *regs;
	uint64_t stack_start;
	const uint8_t *stack;
	size_t size;
	uint64_t *pcs;
	uint32_t capacity;
	uint32_t count;
};

/* find_elf has no context argument; modules are opened while this is set. */
static __thread const char *opening_root;

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	char path[4096];
	int fd;

	(void)mod;
	(void)userdata;
	(void)base;
	*elfp = NULL;
	if (!name || name[0] != '/' || !opening_root)
		return -1;
	if (snprintf(path, sizeof(path), "%s%s", opening_root, name) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		*file_name = strdup(path);
	return fd;
}

static const Dwfl_Callbacks process_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static int open_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	(void)userdata;
	(void)name;
	(void)start;
	(void)arg;
	dwfl_module_getelf(mod, &bias);
	return DWARF_CB_OK;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	struct memhound_unwinder *u = arg;

	(void)dwfl;
	if (*thread_arg)
		return 0;
	*thread_arg = u;
	return u->tid;
}

/* Stack words come from the copy; anything else is unknown. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct memhound_unwinder *u = arg;

	(void)dwfl;
	if (addr < u->stack_start || addr + sizeof(*result) > u->stack_start + u->size)
		return false;
	memcpy(result, u->stack + (addr - u->stack_start), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct memhound_unwinder *u = arg;

	return dwfl_thread_state_registers(thread, 0, MH_UNWIND_REGS, (const Dwarf_Word *)u->regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

int memhound_unwinder_open(const char *maps_text, const char *root, int32_t pid,
			   struct memhound_unwinder **out)
{
	struct memhound_unwinder *u;
	FILE *maps;
	int err = -EINVAL;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->dwfl = dwfl_begin(&process_callbacks);
	maps = fmemopen((void *)maps_text, strlen(maps_text), "r");
	if (!u->dwfl || !maps)
		goto fail;
	dwfl_report_begin(u->dwfl);
	err = dwfl_linux_proc_maps_report(u->dwfl, maps);
	fclose(maps);
	maps = NULL;
	if (err || dwfl_report_end(u->dwfl, NULL, NULL)) {
		err = err > 0 ? -err : -EINVAL;
		goto fail;
	}
	opening_root = root;
	dwfl_getmodules(u->dwfl, open_module, NULL, 0);
	opening_root = NULL;
	u->attached = dwfl_attach_state(u->dwfl, NULL, pid, &thread_callbacks, u);
	if (!u->attached) {
		err = -ENOEXEC;
		goto fail;
	}
	*out = u;
	return 0;
fail:
	if (maps)
		fclose(maps);
	memhound_unwinder_close(u);
	return err;
}

void memhound_unwinder_close(struct memhound_unwinder *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

static int collect_frame(Dwfl_Frame *state, void *arg)
{
	struct memhound_unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation) || u->count >= u->capacity)
		return DWARF_CB_ABORT;
	u->pcs[u->count++] = pc;
	return DWARF_CB_OK;
}

int memhound_unwind(struct memhound_unwinder *u, int32_t tid, const uint64_t *regs,
		    const uint8_t *stack, size_t size, uint64_t *pcs, uint32_t capacity)
{
	u->tid = tid;
	u->regs = regs;
	u->stack_start = regs[7];
	u->stack = stack;
	u->size = size;
	u->pcs = pcs;
	u->capacity = capacity;
	u->count = 0;
	/* Ends with an error at the first frame it cannot unwind: the frames so far stand. */
	dwfl_getthread_frames(u->dwfl, tid, collect_frame, u);
	return (int)u->count;
}

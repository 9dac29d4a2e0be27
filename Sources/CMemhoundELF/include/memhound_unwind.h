/*
 * Unwinding copied user stacks with libdwfl (CFI from .eh_frame/.debug_frame).
 * Functions return 0 (or a count) on success and a negative errno on failure;
 * nothing here prints.
 */
#ifndef MEMHOUND_UNWIND_H
#define MEMHOUND_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif /* MEMHOUND_UNWIND_H */

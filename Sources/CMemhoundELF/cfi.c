/*
 * A file's call frame information as the kernel's unwinder reads it
 * (bpf/unwind.bpf.h): every row of every FDE, evaluated by libdw, reduced to
 * the two rules that matter on x86_64 (the CFA, and where rbp was saved; the
 * return address is at CFA - 8), adjacent equal rows merged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include "memhound.h"
#include "memhound_elf.h"
#include "elf_file.h"

#define DWARF_RBP 6
#define DWARF_RSP 7

struct rows {
	struct memhound_unwind_row *rows;
	uint32_t count;
	uint32_t capacity;
};

static int push(struct rows *r, struct memhound_unwind_row row)
{
	if (r->count) {
		struct memhound_unwind_row *last = &r->rows[r->count - 1];

		if (last->kind == row.kind && last->cfa_offset == row.cfa_offset &&
		    last->rbp_offset == row.rbp_offset)
			return 0;
		if (last->pc == row.pc) {
			*last = row;
			return 0;
		}
	}
	if (r->count == r->capacity) {
		uint32_t capacity = r->capacity ? 2 * r->capacity : 1024;
		void *grown = realloc(r->rows, capacity * sizeof(*r->rows));

		if (!grown)
			return -ENOMEM;
		r->rows = grown;
		r->capacity = capacity;
	}
	r->rows[r->count++] = row;
	return 0;
}

/* The glibc/binutils PLT rule: rsp + 8, plus 8 past the entry's push (pc & 15 >= 10 or 11). */
static bool plt_rule(const Dwarf_Op *ops, size_t n, struct memhound_unwind_row *row)
{
	static const uint8_t shape[] = { DW_OP_breg7, DW_OP_breg16, DW_OP_lit15, DW_OP_and, 0,
					 DW_OP_ge, DW_OP_lit3, DW_OP_shl, DW_OP_plus };

	if (n != sizeof(shape))
		return false;
	for (size_t i = 0; i < n; i++)
		if (i != 4 && ops[i].atom != shape[i])
			return false;
	if (ops[4].atom < DW_OP_lit0 || ops[4].atom > DW_OP_lit31 || ops[1].number != 0)
		return false;
	row->kind = MH_CFA_PLT;
	row->cfa_offset = (int32_t)ops[0].number;
	row->rbp_offset = ops[4].atom - DW_OP_lit0;
	return true;
}

/* The row for one range of an FDE. */
static struct memhound_unwind_row reduce(Dwarf_Frame *frame, Dwarf_Addr start, int ra, bool signal)
{
	struct memhound_unwind_row row = { .pc = (uint32_t)start, .kind = MH_CFA_UNSUPPORTED };
	Dwarf_Op mem[3], *ops = NULL;
	size_t n = 0;
	int64_t offset;

	if (signal)
		return row;
	/*
	 * The return address: undefined in the outermost frame (_start, a thread's
	 * start). libdw 0.188 gives no location for undefined and same-value alike;
	 * a return address kept in place means nothing else.
	 */
	if (dwarf_frame_register(frame, ra, mem, &ops, &n) != 0)
		return row;
	if (n == 0) {
		row.kind = MH_CFA_END;
		return row;
	}
	if (n != 2 || ops[0].atom != DW_OP_call_frame_cfa || ops[1].atom != DW_OP_plus_uconst ||
	    (int64_t)ops[1].number != -8)
		return row;

	if (dwarf_frame_cfa(frame, &ops, &n) != 0)
		return row;
	if (n == 1 && (ops[0].atom == DW_OP_bregx || ops[0].atom == DW_OP_breg6 || ops[0].atom == DW_OP_breg7)) {
		int reg = ops[0].atom == DW_OP_bregx ? (int)ops[0].number : ops[0].atom - DW_OP_breg0;

		offset = ops[0].atom == DW_OP_bregx ? (int64_t)ops[0].number2 : (int64_t)ops[0].number;
		if ((reg != DWARF_RSP && reg != DWARF_RBP) || offset != (int32_t)offset)
			return row;
		row.kind = reg == DWARF_RSP ? MH_CFA_RSP : MH_CFA_RBP;
		row.cfa_offset = (int32_t)offset;
	} else if (!plt_rule(ops, n, &row)) {
		return row;
	}

	/* rbp: unchanged (same value, or never said), or saved at CFA + N. */
	if (dwarf_frame_register(frame, DWARF_RBP, mem, &ops, &n) != 0) {
		row.kind = MH_CFA_UNSUPPORTED;
		return row;
	}
	if (n == 0)
		return row;
	offset = n == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst
			 ? (int64_t)ops[1].number : 0;
	if (!offset || offset != (int16_t)offset || row.kind == MH_CFA_PLT) {
		row.kind = MH_CFA_UNSUPPORTED;
		return row;
	}
	row.rbp_offset = (int16_t)offset;
	return row;
}

static int32_t read_s32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* FDE start addresses from .eh_frame_hdr's sorted table (datarel sdata4, as binutils and lld write it). */
static int fde_starts(Elf *elf, uint64_t **out)
{
	size_t strndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &strndx))
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;
		const uint8_t *p;
		const char *name;
		uint32_t count;
		uint64_t *starts;

		if (!gelf_getshdr(scn, &shdr) || !(name = elf_strptr(elf, strndx, shdr.sh_name)) ||
		    strcmp(name, ".eh_frame_hdr"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || data->d_size < 12)
			return -EINVAL;
		p = data->d_buf;
		/* version 1; eh_frame_ptr any 4-byte encoding; fde_count udata4; table datarel sdata4 */
		if (p[0] != 1 || (p[1] & 0x0f) != DW_EH_PE_sdata4 || p[2] != DW_EH_PE_udata4 ||
		    p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
			return -ENOTSUP;
		memcpy(&count, p + 8, sizeof(count));
		if (12 + (uint64_t)count * 8 > data->d_size)
			return -EINVAL;
		starts = malloc(sizeof(*starts) * (count ? count : 1));
		if (!starts)
			return -ENOMEM;
		for (uint32_t i = 0; i < count; i++)
			starts[i] = shdr.sh_addr + (int64_t)read_s32(p + 12 + 8 * (size_t)i);
		*out = starts;
		return (int)count;
	}
	return -ENOENT;
}

int memhound_elf_unwind_rows(struct memhound_elf *e, struct memhound_unwind_row **out)
{
	struct rows r = { 0 };
	uint64_t *starts = NULL, covered = 0;
	Dwarf_Addr bias = 0;
	Dwarf_CFI *cfi;
	int n, err = 0;

	cfi = dwfl_module_eh_cfi(e->module, &bias);
	if (!cfi)
		return -ENOENT;
	n = fde_starts(e->elf, &starts);
	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++) {
		Dwarf_Addr addr = starts[i];

		if (addr < covered || addr > UINT32_MAX)
			continue;
		for (;;) {
			Dwarf_Frame *frame = NULL;
			Dwarf_Addr start, end;
			bool signal;
			int ra;

			if (dwarf_cfi_addrframe(cfi, addr, &frame) != 0)
				break;
			ra = dwarf_frame_info(frame, &start, &end, &signal);
			if (ra < 0 || end <= addr || end > UINT32_MAX) {
				free(frame);
				break;
			}
			err = push(&r, reduce(frame, addr, ra, signal));
			free(frame);
			addr = end;
			if (err)
				break;
		}
		/* Past the FDE (or FDEs) that start here: code no CFI covers. */
		if (!err && addr > covered)
			err = push(&r, (struct memhound_unwind_row){ .pc = (uint32_t)addr, .kind = MH_CFA_NONE });
		covered = addr;
	}
	free(starts);
	if (err) {
		free(r.rows);
		return err;
	}
	*out = r.rows;
	return (int)r.count;
}

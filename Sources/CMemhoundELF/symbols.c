/* ELF symbol and line lookup through elfutils libdwfl, one session per file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "memhound_elf.h"

#include "elf_file.h"

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

int memhound_elf_open(int fd, const char *name, struct memhound_elf **out)
{
	struct memhound_elf *e;
	GElf_Ehdr ehdr;
	int own;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->dwfl = dwfl_begin(&offline_callbacks);
	own = dup(fd);
	if (!e->dwfl || own < 0)
		goto fail;
	/* Reported at bias 0: lookups use the file's own (link-time) addresses. */
	e->module = dwfl_report_elf(e->dwfl, name, name, own, 0, false);
	if (!e->module) {
		close(own);
		goto fail;
	}
	dwfl_report_end(e->dwfl, NULL, NULL);
	e->elf = dwfl_module_getelf(e->module, &e->bias);
	if (!e->elf || !gelf_getehdr(e->elf, &ehdr))
		goto fail;
	e->type = ehdr.e_type;
	*out = e;
	return 0;
fail:
	memhound_elf_close(e);
	return -EINVAL;
}

void memhound_elf_close(struct memhound_elf *e)
{
	if (!e)
		return;
	if (e->dwfl)
		dwfl_end(e->dwfl);
	free(e);
}

int memhound_elf_type(const struct memhound_elf *e)
{
	return e->type;
}

int memhound_elf_build_id(const struct memhound_elf *e, uint8_t *out, uint32_t capacity)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n;

	/* libdwfl reads the NT_GNU_BUILD_ID note of the file's "GNU" notes, nothing else. */
	n = dwfl_module_build_id(e->module, &bits, &vaddr);
	if (n < 0)
		return -EINVAL;
	if (n == 0)
		return -ENOENT;
	memcpy(out, bits, (uint32_t)n < capacity ? (uint32_t)n : capacity);
	return n;
}

int memhound_elf_segments(const struct memhound_elf *e, struct memhound_elf_segment *out,
			  uint32_t capacity)
{
	size_t count;
	int n = 0;

	if (elf_getphdrnum(e->elf, &count))
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((uint32_t)n < capacity) {
			out[n].offset = ph.p_offset;
			out[n].vaddr = ph.p_vaddr;
			out[n].filesz = ph.p_filesz;
			out[n].memsz = ph.p_memsz;
			out[n].flags = ph.p_flags;
		}
		n++;
	}
	return n;
}

int memhound_elf_lookup(struct memhound_elf *e, uint64_t vaddr, struct memhound_symbol *out)
{
	GElf_Addr addr = vaddr + e->bias, offset = 0;
	GElf_Sym sym;
	Dwfl_Line *line;
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	out->name = dwfl_module_addrinfo(e->module, addr, &offset, &sym, NULL, NULL, NULL);
	out->offset = offset;
	line = dwfl_module_getsrc(e->module, addr);
	if (line) {
		out->file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		out->line = lineno;
	}
	return out->name ? 0 : -ENOENT;
}

int memhound_elf_cfa(struct memhound_elf *e, uint64_t vaddr, int *reg, int64_t *offset)
{
	Dwarf_Addr bias = 0;
	Dwarf_CFI *cfi;
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops = NULL;
	size_t nops = 0;
	int ret = -ENOENT;

	/* .eh_frame first (it is what runs); .debug_frame when the binary has only that. */
	cfi = dwfl_module_eh_cfi(e->module, &bias);
	if (!cfi || dwarf_cfi_addrframe(cfi, vaddr + e->bias - bias, &frame) != 0) {
		cfi = dwfl_module_dwarf_cfi(e->module, &bias);
		frame = NULL;
		if (!cfi || dwarf_cfi_addrframe(cfi, vaddr + e->bias - bias, &frame) != 0)
			return -ENOENT;
	}
	if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		*reg = ops[0].atom - DW_OP_breg0;
		*offset = (int64_t)ops[0].number;
		ret = 0;
	} else if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_bregx) {
		/* libdw spells a register+offset rule as DW_OP_bregx reg, offset. */
		*reg = (int)ops[0].number;
		*offset = (int64_t)ops[0].number2;
		ret = 0;
	} else {
		ret = -ENOTSUP; /* an expression: neither a plain sp nor fp offset */
	}
	free(frame);
	return ret;
}

int memhound_elf_has_section(const struct memhound_elf *e, const char *name)
{
	size_t strndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e->elf, &strndx))
		return 0;
	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr shdr;
		const char *n;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		n = elf_strptr(e->elf, strndx, shdr.sh_name);
		if (n && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

/* The name of a DIE, following DW_AT_abstract_origin / DW_AT_specification. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) && (name = dwarf_formstring(&attr)))
		return name;
	if (dwarf_attr_integrate(die, DW_AT_name, &attr) && (name = dwarf_formstring(&attr)))
		return name;
	return NULL;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word index;
	size_t count;

	if (!dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &index) ||
	    dwarf_getsrcfiles(cu, &files, &count) || index >= count)
		return NULL;
	return dwarf_filesrc(files, index, NULL, NULL);
}

int memhound_elf_inlines(struct memhound_elf *e, uint64_t vaddr, struct memhound_inline_frame *out,
			 uint32_t capacity)
{
	Dwarf_Addr addr = vaddr + e->bias, bias = 0;
	Dwarf_Die *cu, *scopes = NULL, *innermost = NULL;
	const char *file = NULL;
	Dwfl_Line *line;
	int lineno = 0, nscopes, n = 0;

	cu = dwfl_module_addrdie(e->module, addr, &bias);
	if (!cu)
		return 0;
	/*
	 * dwarf_getscopes follows an inlined body to its abstract definition; the
	 * function it was inlined into is its parent in the DIE tree instead.
	 */
	nscopes = dwarf_getscopes(cu, addr - bias, &innermost);
	if (nscopes <= 0)
		return 0;
	nscopes = dwarf_getscopes_die(&innermost[0], &scopes);
	free(innermost);
	if (nscopes <= 0)
		return 0;
	line = dwfl_module_getsrc(e->module, addr);
	if (line)
		file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	/* Innermost first: each inlined body, then the function it was inlined into. */
	for (int i = 0; i < nscopes && (uint32_t)n < capacity; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Attribute attr;
		Dwarf_Word call_line = 0;

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		out[n].function = die_name(&scopes[i]);
		out[n].file = file;
		out[n].line = lineno;
		out[n].inlined = tag == DW_TAG_inlined_subroutine;
		n++;
		if (tag == DW_TAG_subprogram)
			break;
		/* The caller's position is where this body was inlined. */
		file = call_file(cu, &scopes[i]);
		lineno = dwarf_attr(&scopes[i], DW_AT_call_line, &attr) && !dwarf_formudata(&attr, &call_line)
				 ? (int)call_line : 0;
	}
	free(scopes);
	return n;
}

int memhound_elf_needed(struct memhound_elf *e, const char **names, uint32_t capacity, const char **run_path)
{
	Elf_Scn *scn = NULL;
	int n = 0;

	*run_path = NULL;
	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNAMIC || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; shdr.sh_entsize && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *text;

			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
				continue;
			text = elf_strptr(e->elf, shdr.sh_link, dyn.d_un.d_val);
			if (!text)
				continue;
			if (dyn.d_tag == DT_NEEDED) {
				if ((uint32_t)n < capacity)
					names[n] = text;
				n++;
			} else if (dyn.d_tag == DT_RUNPATH || !*run_path) {
				*run_path = text;
			}
		}
		return n;
	}
	return 0;
}

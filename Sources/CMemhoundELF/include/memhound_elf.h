/*
 * ELF files through libelf and libdwfl: symbols, program headers, inlined
 * frames and CFA rules of one file.
 * Functions return 0 (or a count) on success and a negative errno on failure;
 * nothing here prints.
 */
#ifndef MEMHOUND_ELF_H
#define MEMHOUND_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- symbols (elfutils libdwfl) --------------------------------------- */

struct memhound_elf;

struct memhound_elf_segment {
	uint64_t offset;  /* p_offset */
	uint64_t vaddr;   /* p_vaddr */
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags;   /* PF_X | PF_W | PF_R */
};

/* Opens an ELF file for symbol lookup (the fd is duplicated; the caller keeps its own). */
int memhound_elf_open(int fd, const char *name, struct memhound_elf **out);
void memhound_elf_close(struct memhound_elf *elf);
/* 1 when the file has a section of that name, else 0. */
int memhound_elf_has_section(const struct memhound_elf *elf, const char *name);
/* ET_EXEC = 2, ET_DYN = 3. */
int memhound_elf_type(const struct memhound_elf *elf);
/* Copies up to capacity PT_LOAD segments; returns how many the file has. */
int memhound_elf_segments(const struct memhound_elf *elf, struct memhound_elf_segment *out,
			  uint32_t capacity);

struct memhound_elf_section {
	char name[64];    /* truncated to 63 bytes; "" when unnamed */
	uint32_t type;    /* sh_type */
	uint64_t addr;    /* sh_addr */
	uint64_t offset;  /* sh_offset */
	uint64_t size;    /* sh_size */
};

/*
 * Reads the section headers of the 64-bit ELF file open at `fd` (libelf; the
 * fd stays the caller's). Returns how many sections the file has (more than
 * capacity: call again with room for them all), or -EINVAL when it is not one.
 */
int memhound_elf_read_sections(int fd, struct memhound_elf_section *out, uint32_t capacity);

struct memhound_symbol {
	const char *name;     /* valid until the elf is closed; NULL: no symbol */
	uint64_t offset;      /* address - symbol start */
	const char *file;     /* source file or NULL */
	int32_t line;         /* 0 when unknown */
};

/*
 * Copies up to capacity bytes of the file's NT_GNU_BUILD_ID note (only that note type: Go's own
 * build id note is not one). Returns its length, -ENOENT when there is none, -EINVAL on error.
 */
int memhound_elf_build_id(const struct memhound_elf *elf, uint8_t *out, uint32_t capacity);

/* Looks up a link-time virtual address of the file. */
int memhound_elf_lookup(struct memhound_elf *elf, uint64_t vaddr, struct memhound_symbol *out);

struct memhound_inline_frame {
	const char *function; /* valid until the elf is closed; NULL when unnamed */
	const char *file;
	int32_t line;
	bool inlined;         /* false for the function all the others were inlined into */
};

/*
 * The chain of functions inlined at `vaddr`, innermost first, ending with the
 * function they were inlined into (from DWARF). Returns how many (0: no DWARF).
 */
int memhound_elf_inlines(struct memhound_elf *elf, uint64_t vaddr, struct memhound_inline_frame *out,
			 uint32_t capacity);

/*
 * The canonical frame address rule at `vaddr` from the file's CFI: CFA =
 * register `reg` (DWARF number: 6 rbp, 7 rsp) + `offset`. -ENOENT without CFI
 * for that address, -ENOTSUP when the rule is an expression.
 */
int memhound_elf_cfa(struct memhound_elf *elf, uint64_t vaddr, int *reg, int64_t *offset);

/*
 * The file's DT_NEEDED names (up to capacity; returns how many it has) and its
 * DT_RUNPATH, else DT_RPATH (NULL when none); strings live until the elf is closed.
 */
int memhound_elf_needed(struct memhound_elf *elf, const char **names, uint32_t capacity, const char **run_path);

struct memhound_unwind_row;

/*
 * The file's unwind table for the kernel's unwinder (memhound_unwind_row in
 * memhound.h) from its .eh_frame (found through .eh_frame_hdr): rows sorted
 * by pc, a row of kind MH_CFA_NONE where no FDE covers the code. *out is
 * allocated (free it); returns how many rows, -ENOENT when the file has no
 * .eh_frame_hdr, -ENOTSUP for an encoding it does not read.
 */
int memhound_elf_unwind_rows(struct memhound_elf *elf, struct memhound_unwind_row **out);

#endif /* MEMHOUND_ELF_H */

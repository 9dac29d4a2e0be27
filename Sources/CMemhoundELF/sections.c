// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Section headers through libelf, for readers of their own sections (Go's pclntab). */
#include <errno.h>
#include <string.h>

#include <gelf.h>

#include "memhound_elf.h"

int memhound_elf_read_sections(int fd, struct memhound_elf_section *out, uint32_t capacity)
{
	size_t strndx, count = 0;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int n = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	/* ELF_C_READ reads with pread as needed: a file truncated under us cannot fault. */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -EINVAL;
	if (elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64 || elf_getshdrnum(elf, &count) ||
	    elf_getshdrstrndx(elf, &strndx)) {
		elf_end(elf);
		return -EINVAL;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		if ((uint32_t)n < capacity) {
			name = elf_strptr(elf, strndx, shdr.sh_name);
			memset(out[n].name, 0, sizeof(out[n].name));
			if (name)
				strncpy(out[n].name, name, sizeof(out[n].name) - 1);
			out[n].type = shdr.sh_type;
			out[n].addr = shdr.sh_addr;
			out[n].offset = shdr.sh_offset;
			out[n].size = shdr.sh_size;
		}
		n++;
	}
	elf_end(elf);
	return n;
}

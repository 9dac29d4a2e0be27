/* Internal to the C module: one ELF file's libdwfl session, shared by its source files. */
#ifndef MEMHOUND_ELF_FILE_H
#define MEMHOUND_ELF_FILE_H

#include <elfutils/libdwfl.h>
#include <gelf.h>

struct memhound_elf {
	Dwfl *dwfl;
	Dwfl_Module *module;
	Elf *elf;
	GElf_Addr bias;
	int type;
};

#endif /* MEMHOUND_ELF_FILE_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memhound_demangle.h"

/* libstdc++'s demangler; <cxxabi.h> is C++ only, the symbol itself is C. */
extern char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);

int memhound_demangle_cxx(const char *mangled, char *out, size_t capacity)
{
	int status = 0;
	char *s = __cxa_demangle(mangled, NULL, NULL, &status);
	size_t n;

	if (!s)
		return status == -1 ? -ENOMEM : -EINVAL;
	n = strlen(s);
	if (n >= capacity) {
		free(s);
		return -ENAMETOOLONG;
	}
	memcpy(out, s, n + 1);
	free(s);
	return (int)n;
}

/*
 * C++ demangling with libstdc++'s __cxa_demangle.
 */
#ifndef MEMHOUND_DEMANGLE_H
#define MEMHOUND_DEMANGLE_H

#include <stddef.h>

/* ---- demangling (libstdc++) ------------------------------------------- */

/*
 * Demangles an Itanium C++ name (_Z...) into `out` with __cxa_demangle.
 * Returns the length written (without the NUL), -EINVAL when `mangled` is not
 * a valid name, -ENAMETOOLONG when the result does not fit `capacity`.
 */
int memhound_demangle_cxx(const char *mangled, char *out, size_t capacity);

#endif /* MEMHOUND_DEMANGLE_H */

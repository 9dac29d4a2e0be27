// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel/user record layouts (include/memhound.h) as the host compiler
 * sees them: its _Static_asserts must hold here as they do in the BPF build.
 */
#include "memhound.h"

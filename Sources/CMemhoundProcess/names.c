// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "memhound_names.h"

const char *memhound_errno_name(int err)
{
	return strerrorname_np(err);
}

const char *memhound_signal_name(int sig)
{
	return sigabbrev_np(sig);
}

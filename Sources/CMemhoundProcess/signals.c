// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Termination signals: the handler records them, the main loop reads them. */
#include <signal.h>
#include <string.h>

#include "memhound_signals.h"

static volatile sig_atomic_t pending_signal;
static volatile sig_atomic_t signals_received;

static void record_signal(int sig)
{
	pending_signal = sig;
	signals_received++;
}

void memhound_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = record_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking poll returns with EINTR so the loop notices. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal or a supervisor's reload ends the run like SIGTERM, with its final report. */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int memhound_signals_pending(void)
{
	return pending_signal;
}

int memhound_signals_received(void)
{
	return signals_received;
}

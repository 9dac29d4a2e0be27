/*
 * Termination signals, recorded by the handler and read by the main loop.
 */
#ifndef MEMHOUND_SIGNALS_H
#define MEMHOUND_SIGNALS_H

/* Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal, and ignores SIGPIPE. */
void memhound_signals_install(void);
/* The last termination signal received, or 0. */
int memhound_signals_pending(void);
/* How many termination signals were received so far. */
int memhound_signals_received(void);

#endif /* MEMHOUND_SIGNALS_H */

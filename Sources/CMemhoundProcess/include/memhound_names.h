/*
 * Symbolic names of errno values and signals, for messages.
 */
#ifndef MEMHOUND_NAMES_H
#define MEMHOUND_NAMES_H

/* "ENOMEM" for ENOMEM, or NULL. */
const char *memhound_errno_name(int err);
/* "INT" for SIGINT, or NULL. */
const char *memhound_signal_name(int sig);

#endif /* MEMHOUND_NAMES_H */

/*
 * Starting a traced command: a child that waits until it is traced, then execs.
 * Functions return 0 (or a count) on success and a negative errno on failure;
 * nothing here prints.
 */
#ifndef MEMHOUND_CHILD_H
#define MEMHOUND_CHILD_H

#include <sys/types.h>

/* ---- processes -------------------------------------------------------- */

struct memhound_child {
	pid_t pid;
	int release_fd; /* write end: one byte lets the child exec */
	int status_fd;  /* read end: EOF on exec, or the errno of a failed execve */
};

/*
 * Forks a child that waits, then execs argv[0] (PATH search) with stdout and
 * stderr sent to `output_fd`. It runs nothing of the program until
 * memhound_child_release is called, so it can be traced first.
 */
int memhound_child_spawn(char *const argv[], int output_fd, struct memhound_child *out);
/* Lets the child exec; returns 0, or -errno from a failed execve (the child then exits 127). */
int memhound_child_release(struct memhound_child *child);
/* Kills a child that was never released. */
void memhound_child_abandon(struct memhound_child *child);

#endif /* MEMHOUND_CHILD_H */

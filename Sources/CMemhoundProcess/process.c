/* Starting a traced child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memhound_child.h"

int memhound_child_spawn(char *const argv[], int output_fd, struct memhound_child *out)
{
	int release[2], status[2];
	pid_t pid, parent;

	if (pipe2(release, O_CLOEXEC))
		return -errno;
	if (pipe2(status, O_CLOEXEC)) {
		int err = -errno;

		close(release[0]);
		close(release[1]);
		return err;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(release[0]);
		close(release[1]);
		close(status[0]);
		close(status[1]);
		return err;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here to execvp. */
		char go;
		int err;

		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* If memhound dies (even by SIGKILL), the command does not outlive it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		close(release[1]);
		close(status[0]);
		if (read(release[0], &go, 1) != 1)
			_exit(127);
		if (dup2(output_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		(void)!write(status[1], &err, sizeof(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	close(release[0]);
	close(status[1]);
	out->pid = pid;
	out->release_fd = release[1];
	out->status_fd = status[0];
	return 0;
}

int memhound_child_release(struct memhound_child *child)
{
	char go = 1;
	int err = 0;
	ssize_t n;

	if (write(child->release_fd, &go, 1) != 1)
		err = -errno;
	close(child->release_fd);
	child->release_fd = -1;
	if (!err) {
		/* EOF means execvp succeeded: the pipe closed on exec. */
		do {
			n = read(child->status_fd, &err, sizeof(err));
		} while (n < 0 && errno == EINTR);
		err = n == sizeof(err) ? -err : 0;
	}
	close(child->status_fd);
	child->status_fd = -1;
	return err;
}

void memhound_child_abandon(struct memhound_child *child)
{
	int status;

	if (child->release_fd >= 0)
		close(child->release_fd);
	if (child->status_fd >= 0)
		close(child->status_fd);
	child->release_fd = child->status_fd = -1;
	kill(child->pid, SIGKILL);
	waitpid(child->pid, &status, 0);
}

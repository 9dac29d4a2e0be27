/*
 * A TCP client or server for the retransmit tests. Each connection ends by
 * waiting until everything it sent is acknowledged, then prints its own
 * retransmit count from TCP_INFO (the kernel's ground truth).
 *
 *   tcpnode server --addr A --port P [--count K] [--send BYTES] [--wait-stdin]
 *     Listens; per connection (one thread each): writes --send bytes, reads to EOF, prints
 *     "conn PID sport P dport C received N sent M retrans R". Exits after K connections.
 *     --wait-stdin: reads nothing from a connection until a line arrives on stdin.
 *   tcpnode client --addr A --port P [--count K] [--bytes N] [--wait-stdin] [--queue]
 *     K connections (threads); each writes N bytes, reads to EOF, prints
 *     "done PID sport C retrans R received M". --wait-stdin: waits for a line first.
 *     --queue: one connection that queues up to N bytes (what fits) and its FIN at once,
 *     prints "queued PID sport C retrans R bytes Q"; on a first line on stdin prints
 *     "mark PID sport C retrans R", and touches the socket again only after a second line
 *     (so its retransmits happen while the process does nothing with it).
 * Every wait is bounded (the process ends after 150 s at most); errors exit 1 with a message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *addr = "127.0.0.1";
static int port, count = 1, wait_stdin, queue_mode;
static long bytes, send_bytes;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stdin_lock = PTHREAD_MUTEX_INITIALIZER;
static int stdin_seen;

static void die(const char *what)
{
	fprintf(stderr, "tcpnode: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list args;

	pthread_mutex_lock(&out_lock);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* Blocks until one line arrives on stdin (once for the whole process). */
static void wait_line(void)
{
	char line[64];

	pthread_mutex_lock(&stdin_lock);
	if (!stdin_seen && !fgets(line, sizeof(line), stdin))
		exit(2);
	stdin_seen = 1;
	pthread_mutex_unlock(&stdin_lock);
}

static void read_line(void)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin))
		exit(2);
}

static int make_address(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &v6->sin6_addr) != 1) {
		fprintf(stderr, "tcpnode: bad address %s\n", addr);
		exit(1);
	}
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons(port);
	*len = sizeof(*v6);
	return AF_INET6;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static unsigned current_retransmits(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len))
		die("TCP_INFO");
	return info.tcpi_total_retrans;
}

/*
 * Waits (up to 60 s) until all it wrote, FIN included, is sent and acknowledged
 * (nothing in flight, nothing queued); returns total_retrans.
 */
static unsigned settled_retransmits(int fd)
{
	int outq = 0;

	for (int i = 0; i < 6000; i++) {
		if (ioctl(fd, TIOCOUTQ, &outq))
			die("TIOCOUTQ");
		if (outq == 0)
			break;
		usleep(10000);
	}
	return current_retransmits(fd);
}

static void write_all(int fd, long n)
{
	static char buf[65536];

	while (n > 0) {
		ssize_t w = write(fd, buf, n < (long)sizeof(buf) ? n : (long)sizeof(buf));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write");
		n -= w;
	}
}

static long read_to_eof(int fd)
{
	static __thread char buf[65536];
	long total = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		total += r;
	}
	return total;
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg, peer_port;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	long received;

	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		die("getpeername");
	peer_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (wait_stdin)
		wait_line();
	write_all(fd, send_bytes);
	if (send_bytes)
		shutdown(fd, SHUT_WR);
	received = read_to_eof(fd);
	if (!send_bytes)
		shutdown(fd, SHUT_WR);
	say("conn %d sport %d dport %d received %ld sent %ld retrans %u\n", getpid(), port, peer_port,
	    received, send_bytes, settled_retransmits(fd));
	close(fd);
	return NULL;
}

static int server(void)
{
	struct sockaddr_storage ss;
	pthread_t threads[64];
	socklen_t len;
	int family = make_address(&ss, &len), one = 1, zero = 0, lfd;

	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 64))
		die("bind/listen");
	say("listening %d %d\n", getpid(), port);
	if (count > 64)
		count = 64;
	for (int i = 0; i < count; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			die("accept");
		if (pthread_create(&threads[i], NULL, serve, (void *)(long)fd))
			die("pthread_create");
	}
	for (int i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	say("served %d\n", count);
	return 0;
}

static int connected_socket(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = make_address(&ss, &len);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	return fd;
}

static void *exchange(void *arg)
{
	int fd = connected_socket(), sport = local_port(fd);
	long received;

	(void)arg;
	write_all(fd, bytes);
	shutdown(fd, SHUT_WR);
	received = read_to_eof(fd);
	say("done %d sport %d retrans %u received %ld\n", getpid(), sport, settled_retransmits(fd), received);
	close(fd);
	return NULL;
}

/* Queues all data and the FIN before anyone traces us, then leaves the socket alone. */
static int queued_client(void)
{
	int size = 1 << 20, fd;

	static char buf[65536];
	long queued = 0;

	fd = connected_socket();
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	/* As much as the send queue takes, up to --bytes, without blocking. */
	while (queued < bytes) {
		long n = bytes - queued < (long)sizeof(buf) ? bytes - queued : (long)sizeof(buf);
		ssize_t w = send(fd, buf, n, MSG_DONTWAIT);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0 && errno != EINTR)
			die("send");
		if (w > 0)
			queued += w;
	}
	shutdown(fd, SHUT_WR);
	say("queued %d sport %d retrans %u bytes %ld\n", getpid(), local_port(fd), current_retransmits(fd),
	    queued);
	/* First line: where the count stands now; second: report once all is acknowledged. */
	read_line();
	say("mark %d sport %d retrans %u\n", getpid(), local_port(fd), current_retransmits(fd));
	read_line();
	say("done %d sport %d retrans %u received %ld\n", getpid(), local_port(fd),
	    settled_retransmits(fd), 0L);
	close(fd);
	return 0;
}

static int client(void)
{
	pthread_t threads[64];

	if (queue_mode)
		return queued_client();
	if (wait_stdin)
		wait_line();
	if (count > 64)
		count = 64;
	for (int i = 0; i < count; i++)
		if (pthread_create(&threads[i], NULL, exchange, NULL))
			die("pthread_create");
	for (int i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	/* Whatever happens to the peer or the network, this process ends. */
	alarm(150);
	if (argc < 2) {
		fprintf(stderr, "usage: tcpnode server|client [options]\n");
		return 64;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(a, "--wait-stdin")) { wait_stdin = 1; continue; }
		if (!strcmp(a, "--queue")) { queue_mode = 1; continue; }
		i++;
		if (!strcmp(a, "--addr")) addr = v;
		else if (!strcmp(a, "--port")) port = atoi(v);
		else if (!strcmp(a, "--count")) count = atoi(v);
		else if (!strcmp(a, "--bytes")) bytes = atol(v);
		else if (!strcmp(a, "--send")) send_bytes = atol(v);
		else { fprintf(stderr, "tcpnode: unknown option %s\n", a); return 64; }
	}
	return !strcmp(argv[1], "server") ? server() : client();
}

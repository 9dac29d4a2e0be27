/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps and helpers of the TCP object (bpf/tcp.bpf.c). */
#ifndef MEMHOUND_TCP_BPF_H
#define MEMHOUND_TCP_BPF_H

#include "memhound.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define PF_KTHREAD 0x00200000

#include "shared.bpf.h"
#include "pidns.bpf.h"

/* Who owns a socket: the process that last used it in process context. */
struct sock_owner {
	__u32 tgid;
	__u32 tid;
	__u32 ns_tid; /* tid in memhound's pid namespace (set by user space from the memory object) */
	__u32 _pad;
	char comm[MH_COMM_LEN];
};

/*
 * Socket (struct sock address) -> owner, for every TCP socket on the host,
 * not only the targets': a retransmit of a socket whose owner is known but not
 * a target is someone else's, one whose owner is unknown is unattributed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct memhound_tcp_counts);
} tcp_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct memhound_tcp_counts);
} tcp_unattributed SEC(".maps");

/* Sockets the start-up iterator found, and retransmits of targets that could not be counted. */
__u64 seeded_sockets;
__u64 lost_counts;

static __always_inline bool is_tcp(__u16 family, __u16 protocol)
{
	return (family == AF_INET || family == AF_INET6) && protocol == IPPROTO_TCP;
}

/* The socket's network namespace inode number, as /proc/PID/ns/net shows it. */
static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The TCP socket behind an open file, or NULL. */
static __always_inline struct sock *file_tcp_sock(struct file *file)
{
	struct socket *sock;
	struct sock *sk;
	umode_t mode;

	if (!file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	if (!is_tcp(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_protocol)))
		return NULL;
	return sk;
}

static __always_inline void add_counts(struct memhound_tcp_counts *c, __u32 event, bool failed,
				       __u32 segments)
{
	__sync_fetch_and_add(&c->retransmits, 1);
	if (event == MH_TCP_SYNACK)
		__sync_fetch_and_add(&c->synack, 1);
	if (failed)
		__sync_fetch_and_add(&c->failed, 1);
	else
		__sync_fetch_and_add(&c->segments, segments);
}

/* Adds one retransmit to `key`'s counters in `map`, creating them at first. */
static __always_inline int count_in(void *map, __u32 key, __u32 event, bool failed, __u32 segments)
{
	struct memhound_tcp_counts *c, fresh = {};

	c = bpf_map_lookup_elem(map, &key);
	if (!c) {
		/* Lost a race with another CPU creating it: that is fine, add to theirs. */
		bpf_map_update_elem(map, &key, &fresh, BPF_NOEXIST);
		c = bpf_map_lookup_elem(map, &key);
		if (!c)
			return -1;
	}
	add_counts(c, event, failed, segments);
	return 0;
}

#endif /* MEMHOUND_TCP_BPF_H */

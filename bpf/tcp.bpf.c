// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP retransmits charged to the process that owns the socket.
 *
 * tcp:tcp_retransmit_skb mostly runs from the retransmit timer or softirq, so
 * `current` is swapper, ksoftirqd or whatever process was interrupted. The
 * owner is instead looked up in `owners` (socket -> process), which is written
 * only where the kernel runs in the owner's own context: connect() and
 * listen() (their state changes), accept() returning, send and receive calls;
 * sockets that existed before tracing are found by an iterator over every
 * task's files. Other state changes are never trusted: the peer's softirq can
 * run them on any task (on loopback the server's handshake ran in the client).
 *
 * tp_btf, not classic tracepoints, wherever the kernel offers it: a classic
 * tracepoint program is skipped when any BPF program already runs on the CPU
 * (a retransmit timer firing in a softirq that interrupted one), while tp_btf
 * programs only guard against themselves. Syscall exits have no tp_btf form.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tcp.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- the owner map: process context only ------------------------------ */

static __always_inline void own(const void *sk)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid(), key = (__u64)sk;
	struct sock_owner *o, fresh = {};

	/* Kernel threads drive sockets on behalf of others (nbd, sunrpc): not owners. */
	if (task->flags & PF_KTHREAD)
		return;
	o = bpf_map_lookup_elem(&owners, &key);
	if (o && o->tid == (__u32)id && o->tgid == id >> 32)
		return;
	fresh.tgid = id >> 32;
	fresh.tid = (__u32)id;
	fresh.ns_tid = ns_tid(task);
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	bpf_map_update_elem(&owners, &key, &fresh, BPF_ANY);
}

/* tp_btf arguments are trusted pointers: plain loads, cheaper than probe reads on every send. */
static __always_inline bool is_tcp_sock(struct sock *sk)
{
	return is_tcp(sk->__sk_common.skc_family, sk->sk_protocol);
}

/* connect() sets SYN_SENT and listen() sets LISTEN in the caller's context. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, struct sock *sk, int oldstate, int newstate)
{
	if ((newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) && is_tcp_sock(sk))
		own(sk);
	return 0;
}

/* Any send or receive: covers inherited and passed sockets too. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send_length, struct sock *sk, int ret, int flags)
{
	if (is_tcp_sock(sk))
		own(sk);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv_length, struct sock *sk, int ret, int flags)
{
	if (is_tcp_sock(sk))
		own(sk);
	return 0;
}

/* Layout of the syscalls:sys_exit_* records. */
struct syscall_exit_args {
	__u64 common;
	__s32 nr;
	__u32 _pad;
	__s64 ret;
};

/* accept() returned a new fd: its socket was created in softirq, owned from here. */
static __always_inline int accepted(struct syscall_exit_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *file = NULL;
	struct fdtable *fdt;
	struct sock *sk;
	__s64 fd = ctx->ret;

	if (fd < 0)
		return 0;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return 0;
	sk = file_tcp_sock(file);
	if (sk)
		own(sk);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int on_exit_accept(struct syscall_exit_args *ctx)
{
	return accepted(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int on_exit_accept4(struct syscall_exit_args *ctx)
{
	return accepted(ctx);
}

/* Sockets open before tracing began; the first task seen with one owns it. */
SEC("iter/task_file")
int seed_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct sock_owner fresh = {};
	struct sock *sk;
	__u64 key;

	if (!task || !ctx->file || (task->flags & PF_KTHREAD))
		return 0;
	sk = file_tcp_sock(ctx->file);
	if (!sk)
		return 0;
	key = (__u64)sk;
	fresh.tgid = task->tgid;
	fresh.tid = task->pid;
	fresh.ns_tid = ns_tid(task);
	bpf_probe_read_kernel_str(fresh.comm, sizeof(fresh.comm), task->comm);
	/* An owner a tracepoint has seen since attaching is more recent: keep it. */
	if (bpf_map_update_elem(&owners, &key, &fresh, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&seeded_sockets, 1);
	return 0;
}

/* ---- retransmits --------------------------------------------------------- */

/*
 * The owner of `sk` when it is a target, after counting the retransmit for it;
 * NULL otherwise. An unknown owner is counted per network namespace, never
 * guessed.
 */
static __always_inline struct sock_owner *charge(const void *sk, __u32 event, bool failed,
						 __u32 segments)
{
	__u64 key = (__u64)sk;
	struct memhound_target *t;
	struct sock_owner *o;

	o = bpf_map_lookup_elem(&owners, &key);
	if (!o) {
		count_in(&tcp_unattributed, sock_netns(sk), event, failed, segments);
		return NULL;
	}
	t = bpf_map_lookup_elem(&targets, &o->tgid);
	if (!t || t->state == MH_TARGET_PENDING_EXEC)
		return NULL;
	if (count_in(&tcp_counts, o->tgid, event, failed, segments))
		__sync_fetch_and_add(&lost_counts, 1);
	return o;
}

static __always_inline struct memhound_tcp_record *reserve(const struct sock_owner *o,
							   const void *sk, __u32 event)
{
	struct memhound_tcp_record *r;

	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		stat_add(MH_STAT_LOST_RINGBUF, 1);
		return NULL;
	}
	r->hdr.kind = MH_RECORD_TCP;
	r->hdr.tgid = o->tgid;
	r->hdr.tid = o->ns_tid;
	r->hdr._pad = 0;
	r->hdr.time_ns = bpf_ktime_get_ns();
	r->event = event;
	r->err = 0;
	r->_pad = 0;
	r->on_cpu_tgid = ns_tgid(bpf_get_current_task_btf());
	r->netns = sock_netns(sk);
	r->segments = 1;
	r->total_retrans = 0;
	__builtin_memcpy(r->comm, o->comm, sizeof(r->comm));
	__builtin_memset(r->saddr, 0, sizeof(r->saddr));
	__builtin_memset(r->daddr, 0, sizeof(r->daddr));
	return r;
}

/* Addresses and ports of a socket, or of a request socket (a SYN-ACK's). */
static __always_inline void copy_endpoints(struct memhound_tcp_record *r, struct sock_common *c)
{
	r->family = BPF_CORE_READ(c, skc_family);
	r->sport = BPF_CORE_READ(c, skc_num);
	r->dport = bpf_ntohs(BPF_CORE_READ(c, skc_dport));
	if (r->family == AF_INET6) {
		BPF_CORE_READ_INTO(&r->saddr, c, skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r->daddr, c, skc_v6_daddr);
	} else {
		__be32 saddr = BPF_CORE_READ(c, skc_rcv_saddr), daddr = BPF_CORE_READ(c, skc_daddr);

		__builtin_memcpy(r->saddr, &saddr, sizeof(saddr));
		__builtin_memcpy(r->daddr, &daddr, sizeof(daddr));
	}
}

/*
 * The tracepoint fires after the attempt: a TSO skb retransmitted at once is
 * several segments, and TCP_INFO's total_retrans (like RetransSegs) counts
 * segments, so each record carries the skb's count (TCP_SKB_CB(skb)->tcp_gso_segs).
 */
static __always_inline __u32 skb_segments(struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)&skb->cb[0];
	__u16 segs = BPF_CORE_READ(cb, tcp_gso_segs);

	return segs ? segs : 1;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(on_retransmit_skb, struct sock *sk, struct sk_buff *skb, int err)
{
	struct memhound_tcp_record *r;
	struct sock_owner *o;
	__u32 segments = skb_segments(skb);

	o = charge(sk, MH_TCP_RETRANSMIT, err != 0, segments);
	if (!o)
		return 0;
	r = reserve(o, sk, MH_TCP_RETRANSMIT);
	if (!r)
		return 0;
	r->err = err;
	r->segments = segments;
	r->total_retrans = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	copy_endpoints(r, &sk->__sk_common);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* sk is the listener: a SYN-ACK belongs to whoever listens; the addresses are the request's. */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(on_retransmit_synack, struct sock *sk, struct request_sock *req)
{
	struct memhound_tcp_record *r;
	struct sock_owner *o;

	o = charge(sk, MH_TCP_SYNACK, false, 1);
	if (!o)
		return 0;
	r = reserve(o, sk, MH_TCP_SYNACK);
	if (!r)
		return 0;
	r->state = BPF_CORE_READ(req, __req_common.skc_state);
	copy_endpoints(r, &req->__req_common);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* The socket's final count goes to user space (see MH_TCP_CLOSED), then its owner goes. */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(on_destroy_sock, struct sock *sk)
{
	__u32 total = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	struct memhound_target *t = NULL;
	struct memhound_tcp_record *r;
	__u64 key = (__u64)sk;
	struct sock_owner *o;

	o = total ? bpf_map_lookup_elem(&owners, &key) : NULL;
	if (o)
		t = bpf_map_lookup_elem(&targets, &o->tgid);
	if (t && t->state != MH_TARGET_PENDING_EXEC) {
		r = reserve(o, sk, MH_TCP_CLOSED);
		if (r) {
			r->total_retrans = total;
			r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
			copy_endpoints(r, &sk->__sk_common);
			bpf_ringbuf_submit(r, 0);
		}
	}
	bpf_map_delete_elem(&owners, &key);
	return 0;
}

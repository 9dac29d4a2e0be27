// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Empty programs on the tracepoints memhound uses per fault: what their dispatch alone costs. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/rss_stat")
int on_rss_stat(void *ctx) { return 0; }

SEC("tp_btf/page_fault_user")
int on_page_fault_user(void *ctx) { return 0; }

SEC("tp_btf/page_fault_kernel")
int on_page_fault_kernel(void *ctx) { return 0; }

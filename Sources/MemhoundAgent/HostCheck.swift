import CMemhoundBPF
import Glibc
import MemhoundKernel
import MemhoundProc

/// What this host offers memhound, probed for real (`memhound check`).
public struct HostCheck: Sendable {
    public struct Item: Sendable, Equatable {
        public var name: String
        public var ok: Bool
        public var detail: String
        /// How to fix it when not ok.
        public var fix: String?
    }

    public var kernel: String?
    public var items: [Item] = []
    public var ok: Bool { items.allSatisfy(\.ok) }

    static let tracepoints = [
        "kmem/rss_stat", "exceptions/page_fault_user", "exceptions/page_fault_kernel", "oom/mark_victim",
        "syscalls/sys_enter_mmap", "syscalls/sys_enter_munmap", "syscalls/sys_enter_mremap",
        "syscalls/sys_enter_brk", "syscalls/sys_enter_madvise", "syscalls/sys_enter_mprotect",
        "tcp/tcp_retransmit_skb", "tcp/tcp_retransmit_synack", "tcp/tcp_destroy_sock",
        "sock/inet_sock_set_state", "sock/sock_send_length", "sock/sock_recv_length",
        "syscalls/sys_exit_accept4",
    ]

    /// What each capability is needed for; one of each group's bits is enough.
    static let neededCapabilities: [(bits: [UInt64], name: String, why: String)] = [
        ([39], "CAP_BPF", "to load the BPF programs and maps"),
        ([38], "CAP_PERFMON", "to attach tracing programs and read user stacks"),
        ([2, 1], "CAP_DAC_READ_SEARCH", "to read tracepoint ids in tracefs (root-only files)"),
    ]

    /// Effective capabilities of this process (/proc/self/status CapEff); nil when unreadable.
    static func effectiveCapabilities(procRoot: String = "/") -> UInt64? {
        let text = (try? String(contentsOfFile: procRoot + "proc/self/status", encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }) else { return nil }
        return UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
    }

    /// Missing capabilities, each with what it is needed for.
    static func missingCapabilities(procRoot: String = "/") -> [String] {
        let caps = effectiveCapabilities(procRoot: procRoot) ?? 0
        return neededCapabilities.filter { need in !need.bits.contains { caps & (1 << $0) != 0 } }
            .map { "\($0.name) \($0.why)" }
    }

    /// Without CAP_SYS_PTRACE, processes of other users cannot be symbolized (their maps and files are closed).
    static var canReadOtherUsersProcesses: Bool { (effectiveCapabilities() ?? 0) & (1 << 19) != 0 }

    static func requirePrivileges() throws(AgentError) {
        let missing = missingCapabilities()
        guard missing.isEmpty else {
            throw AgentError(.permission, "missing privileges: \(missing.joined(separator: "; ")) (run as root, or grant CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH)")
        }
    }

    public static func run(procRoot: String = "/") -> HostCheck {
        var check = HostCheck()
        let proc = ProcFS(root: procRoot)
        check.kernel = proc.kernelRelease()
        let missing = missingCapabilities(procRoot: procRoot)
        check.items.append(Item(name: "privileges", ok: missing.isEmpty,
            detail: missing.isEmpty ? "CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH are effective" : "missing \(missing.joined(separator: "; "))",
            fix: "run as root, or give the container CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH (and CAP_SYS_PTRACE to symbolize other users' processes)"))
        let btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0
        check.items.append(Item(name: "btf", ok: btf,
            detail: btf ? "/sys/kernel/btf/vmlinux is readable" : "/sys/kernel/btf/vmlinux is missing",
            fix: "use Linux 6.2 or later built with CONFIG_DEBUG_INFO_BTF=y (most distributions ship it)"))
        let ring = memhound_probe_ring_buffer()
        check.items.append(Item(name: "ring_buffer", ok: ring == 1,
            detail: ring == 1 ? "BPF ring buffer maps can be created" : "BPF ring buffer unavailable (\(ring))",
            fix: "use Linux 6.2 or later (memhound needs per-change kmem:rss_stat, 6.2+)"))
        let tracefs = access("/sys/kernel/tracing/events", F_OK) == 0
        check.items.append(Item(name: "tracefs", ok: tracefs,
            detail: tracefs ? "/sys/kernel/tracing is mounted" : "tracefs is not mounted at /sys/kernel/tracing (memhound never mounts it)",
            fix: "mount -t tracefs nodev /sys/kernel/tracing (in a container: mount /sys/kernel/tracing from the host)"))
        let absent = tracepoints.filter { access("/sys/kernel/tracing/events/\($0)", F_OK) != 0 }
        check.items.append(Item(name: "tracepoints", ok: absent.isEmpty,
            detail: absent.isEmpty ? "all \(tracepoints.count) tracepoints exist" : "missing: \(absent.joined(separator: ", "))",
            fix: "use a kernel with CONFIG_FTRACE_SYSCALLS and kmem/exceptions tracepoints (Linux 6.2+ for per-change rss_stat)"))
        check.items.append(contentsOf: loadProbe())
        return check
    }

    /// The decisive probes: load and attach every program, then find memhound's
    /// own process through the pid translation (what attributing inside a
    /// container's pid namespace depends on).
    static func loadProbe() -> [Item] {
        let tracer: Tracer
        do {
            tracer = try Tracer(options: .init(ringBufferBytes: 1 << 16))
            try tracer.attach()
            _ = try Session.loadTCP(tracer)
        } catch {
            return [Item(name: "load_and_attach", ok: false, detail: error.description,
                         fix: error.isPermission ? "run as root" : "see the items above; run with --verbose for libbpf's messages")]
        }
        let me = getpid(), host = tracer.hostPid(of: me)
        let detail: String
        if let host {
            detail = tracer.inPidNamespace
                ? "memhound runs in a pid namespace of its own: its pid \(me) is \(host) on the host, and pids are translated"
                : "memhound sees the host's pids"
        } else {
            detail = "memhound's own pid \(me) is not among the processes the kernel lists for its pid namespace"
        }
        return [Item(name: "load_and_attach", ok: true, detail: "all BPF programs load and attach", fix: nil),
                Item(name: "pid_namespace", ok: host != nil, detail: detail,
                     fix: "report this: memhound cannot translate pids in this namespace")]
    }
}

import Prometheus

/// One metric family: every name and help text memhound exports is here, and only here
/// (docs/metrics.md describes each; GrafanaDashboardTests checks the dashboard against `all`).
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: String, Sendable { case counter, gauge }

    public let name: String
    public let kind: Kind
    public let help: String

    init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }

    var descriptor: MetricNameDescriptor {
        // The descriptor joins its parts with "_": the whole name as one part keeps it greppable.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

extension MetricFamily {
    // memhound itself.
    public static let up = MetricFamily("memhound_up", .gauge,
        "1 while memhound's BPF programs are attached and tracing, else 0.")
    public static let buildInfo = MetricFamily("memhound_build_info", .gauge,
        "Always 1; labels name memhound's version.")
    public static let healthy = MetricFamily("memhound_healthy", .gauge,
        "1 while /healthz answers 200: tracing, and no records lost since the last report.")
    public static let cpuSeconds = MetricFamily("memhound_cpu_seconds_total", .counter,
        "CPU time memhound itself used, user and system, in seconds.")
    public static let residentMemory = MetricFamily("memhound_resident_memory_bytes", .gauge,
        "memhound's own resident memory (VmRSS), in bytes.")
    public static let lost = MetricFamily("memhound_lost_total", .counter,
        "What memhound dropped since tracing began, by kind (the report's lost object).")
    public static let tcpLost = MetricFamily("memhound_tcp_retransmits_lost_total", .counter,
        "Retransmits of traced processes the kernel could not count (its table was full).")
    public static let oomKills = MetricFamily("memhound_oom_kills_total", .counter,
        "Traced processes the kernel's OOM killer chose (each an oom_kill line naming what grew).")

    public static let alerts = MetricFamily("memhound_alerts_total", .counter,
        "Alerts fired (and escalated), by kind and severity (each an alert line naming its suspects).")

    // Each traced process (labels pid, comm, cgroup when known).
    public static let rss = MetricFamily("memhound_target_rss_bytes", .gauge,
        "Resident memory of a traced process by kind (anon, file, shmem; swap: swapped out), from /proc.")
    public static let growth = MetricFamily("memhound_target_growth_bytes", .gauge,
        "Change of a traced process's memory by kind since tracing began, in bytes (may be negative).")
    public static let attributed = MetricFamily("memhound_target_attributed_bytes", .gauge,
        "Anonymous bytes memhound charged to call sites that they certainly still hold.")
    public static let attributedUncertain = MetricFamily("memhound_target_attributed_uncertain_bytes", .gauge,
        "Bytes call sites may hold on top of memhound_target_attributed_bytes (records were lost); 0: exact.")
    public static let unattributed = MetricFamily("memhound_target_unattributed_bytes", .gauge,
        "Anonymous memory changes not charged to a call site since tracing began, by reason, in bytes.")
    public static let category = MetricFamily("memhound_target_category_bytes", .gauge,
        "Attributed bytes by kind of memory (go_heap, malloc_heap, off_heap_mmap, thread_stacks, ...).")
    public static let cgo = MetricFamily("memhound_target_cgo_bytes", .gauge,
        "Go programs: attributed bytes that C code called through cgo grew (sites marked cgo).")
    public static let siteResident = MetricFamily("memhound_site_resident_bytes", .gauge,
        "Anonymous bytes a call site holds resident; the top --top sites, the rest summed as site=\"other\".")
    public static let foldedSites = MetricFamily("memhound_target_folded_sites", .gauge,
        "Call sites summed into site=\"other\" of memhound_site_resident_bytes.")
    public static let lostRecords = MetricFamily("memhound_target_lost_records_total", .counter,
        "Ring-buffer records of a traced process that were dropped.")
    public static let tcpRetransmits = MetricFamily("memhound_target_tcp_retransmits_total", .counter,
        "TCP retransmits of a traced process's sockets (data, FIN or SYN), counted in the kernel.")
    public static let tcpSynackRetransmits = MetricFamily("memhound_target_tcp_synack_retransmits_total", .counter,
        "SYN-ACKs a traced process's listeners sent again.")
    public static let tcpFailedRetransmits = MetricFamily("memhound_target_tcp_failed_retransmits_total", .counter,
        "Retransmission attempts of a traced process that failed.")
    public static let tcpRetransmittedSegments = MetricFamily("memhound_target_tcp_retransmitted_segments_total", .counter,
        "Segments a traced process's sockets sent again (what TCP_INFO total_retrans counts).")

    // watch: each cgroup holding traced processes (labels cgroup, container and pod when known).
    public static let cgroupProcesses = MetricFamily("memhound_cgroup_processes", .gauge,
        "Traced processes in a watched cgroup (watch's group lines).")
    public static let cgroupUsage = MetricFamily("memhound_cgroup_usage_bytes", .gauge,
        "A cgroup's own memory usage (v2 memory.current, v1 memory.usage_in_bytes), every process in it.")
    public static let cgroupLimit = MetricFamily("memhound_cgroup_limit_bytes", .gauge,
        "A cgroup's hard memory limit (v2 memory.max, v1 memory.limit_in_bytes); absent when unlimited.")
    public static let cgroupAttributed = MetricFamily("memhound_cgroup_attributed_bytes", .gauge,
        "Anonymous bytes memhound charged to call sites of a cgroup's traced processes, summed.")
    public static let cgroupOOMKills = MetricFamily("memhound_cgroup_oom_kills_total", .counter,
        "OOM kills the kernel counted in a cgroup (v2 memory.events oom_kill, v1 memory.oom_control).")
    public static let cgroupExited = MetricFamily("memhound_cgroup_exited_processes_total", .counter,
        "Traced processes of a cgroup that ended since memhound began.")

    public static let all: [MetricFamily] = [
        up, buildInfo, healthy, cpuSeconds, residentMemory, lost, tcpLost, oomKills, alerts,
        rss, growth, attributed, attributedUncertain, unattributed, category, cgo, siteResident, foldedSites,
        lostRecords, tcpRetransmits, tcpSynackRetransmits, tcpFailedRetransmits, tcpRetransmittedSegments,
        cgroupProcesses, cgroupUsage, cgroupLimit, cgroupAttributed, cgroupOOMKills, cgroupExited,
    ]
}

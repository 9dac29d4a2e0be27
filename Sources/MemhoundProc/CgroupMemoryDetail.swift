/// A memory cgroup's own figures, read from its directory (`ProcFS.cgroupMemoryDetail(path:version:)`).
/// Every field is optional: a file that is missing or unreadable leaves its fields nil, and fields
/// only one cgroup version has are nil on the other. docs/design.md ("Cgroup memory") lists the files.
public struct CgroupMemoryDetail: Sendable, Equatable {
    /// Cgroup path as in /proc/PID/cgroup, e.g. "/kubepods/pod.../abc".
    public var path: String
    /// 1 or 2.
    public var version: Int
    /// Bytes charged: v2 memory.current, v1 memory.usage_in_bytes (both include descendants).
    public var usage: UInt64?
    /// Hard limit in bytes: v2 memory.max, v1 memory.limit_in_bytes; nil when unlimited.
    public var limit: UInt64?
    /// v2 memory.high (throttling above it), bytes; nil when "max".
    public var high: UInt64?
    /// v1 memory.soft_limit_in_bytes, bytes; nil when unlimited.
    public var softLimit: UInt64?
    /// Swap in use, bytes: v2 memory.swap.current, v1 memory.stat `total_swap` (only with swap accounting).
    public var swap: UInt64?
    /// memory.stat; nil when unreadable or none of its keys are known.
    public var stat: Stat?
    /// v2 memory.events, v1 memory.oom_control and memory.failcnt; nil when none is readable.
    public var events: Events?
    /// v2 memory.pressure; always nil on v1, which has no per-cgroup PSI.
    public var pressure: MemoryPressure?

    public init(path: String, version: Int) {
        self.path = path
        self.version = version
    }

    /// Breakdown of the usage, bytes. v1 figures are its hierarchical `total_*` lines when present,
    /// so that they cover descendants as v2's (and both versions' usage) do.
    public struct Stat: Sendable, Equatable {
        /// v2 anon, v1 rss.
        public var anon: UInt64?
        /// Page cache: v2 file, v1 cache.
        public var file: UInt64?
        /// v2 only.
        public var kernelStack: UInt64?
        /// v2 only.
        public var pagetables: UInt64?
        /// Network buffers; v2 only.
        public var sock: UInt64?
        /// Both versions' shmem.
        public var shmem: UInt64?
        /// v2 only: `slab`, or the sum of its reclaimable and unreclaimable parts on older kernels.
        public var slab: UInt64?
        /// Transparent huge pages in anon: v2 anon_thp, v1 rss_huge.
        public var anonTHP: UInt64?
        /// Page cache mapped into processes: v2 file_mapped, v1 mapped_file.
        public var fileMapped: UInt64?

        public init() {}

        /// memory.stat of a v2 cgroup (already hierarchical). Nil when no key is known.
        public static func parse(v2 text: String) -> Stat? {
            let values = FieldLines.flatKeyed(text)
            var stat = Stat()
            stat.anon = values["anon"]
            stat.file = values["file"]
            stat.kernelStack = values["kernel_stack"]
            stat.pagetables = values["pagetables"]
            stat.sock = values["sock"]
            stat.shmem = values["shmem"]
            stat.slab = values["slab"] ?? slabParts(values)
            stat.anonTHP = values["anon_thp"]
            stat.fileMapped = values["file_mapped"]
            return stat == Stat() ? nil : stat
        }

        /// Kernels older than the `slab` line have only its two parts.
        static func slabParts(_ values: [Substring: UInt64]) -> UInt64? {
            guard let reclaimable = values["slab_reclaimable"], let unreclaimable = values["slab_unreclaimable"]
            else { return nil }
            let (sum, overflow) = reclaimable.addingReportingOverflow(unreclaimable)
            return overflow ? nil : sum
        }

        /// memory.stat of a v1 cgroup. Nil when no key is known.
        public static func parse(v1 text: String) -> Stat? {
            let values = FieldLines.flatKeyed(text)
            var stat = Stat()
            stat.anon = hierarchical(values, "rss")
            stat.file = hierarchical(values, "cache")
            stat.shmem = hierarchical(values, "shmem")
            stat.anonTHP = hierarchical(values, "rss_huge")
            stat.fileMapped = hierarchical(values, "mapped_file")
            return stat == Stat() ? nil : stat
        }

        /// A v1 cgroup's plain line counts only its own tasks; `total_` adds its descendants.
        static func hierarchical(_ values: [Substring: UInt64], _ key: String) -> UInt64? {
            values[Substring("total_" + key)] ?? values[Substring(key)]
        }
    }

    /// Counts of limit events since the cgroup was created.
    public struct Events: Sendable, Equatable {
        /// v2: reclaimed below memory.low.
        public var low: UInt64?
        /// v2: throttled above memory.high.
        public var high: UInt64?
        /// v2: usage about to go over memory.max.
        public var max: UInt64?
        /// v2: allocations that failed at the limit (the OOM killer may then run).
        public var oom: UInt64?
        /// Processes the OOM killer killed: v2, and v1 since Linux 4.13.
        public var oomKill: UInt64?
        /// v2 (Linux 5.17+): kills of the whole group (memory.oom.group).
        public var oomGroupKill: UInt64?
        /// v1 memory.failcnt: times usage hit the limit.
        public var failcnt: UInt64?
        /// v1: the cgroup is under OOM now (its tasks wait when the OOM killer is disabled).
        public var underOOM: Bool?
        /// v1: the OOM killer is disabled for the cgroup.
        public var oomKillDisable: Bool?

        public init() {}

        /// v2 memory.events. Nil when no key is known.
        public static func parse(v2 text: String) -> Events? {
            let values = FieldLines.flatKeyed(text)
            var events = Events()
            events.low = values["low"]
            events.high = values["high"]
            events.max = values["max"]
            events.oom = values["oom"]
            events.oomKill = values["oom_kill"]
            events.oomGroupKill = values["oom_group_kill"]
            return events == Events() ? nil : events
        }

        /// v1 memory.oom_control and memory.failcnt, either of which may be nil (unreadable).
        public static func parse(v1OOMControl oomControl: String?, failcnt: String?) -> Events? {
            let values = oomControl.map(FieldLines.flatKeyed) ?? [:]
            var events = Events()
            events.oomKill = values["oom_kill"]
            events.underOOM = values["under_oom"].map { $0 != 0 }
            events.oomKillDisable = values["oom_kill_disable"].map { $0 != 0 }
            events.failcnt = failcnt.flatMap(CgroupMemory.parseCurrent)
            return events == Events() ? nil : events
        }
    }
}

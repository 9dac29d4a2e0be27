/// A memory cgroup's own figures as written in JSON lines: defs.schema.json `#/$defs/cgroup_memory`
/// describes each field (unit, and which cgroup version has it). Every field may be absent: nil is
/// omitted, never written as null.
public struct CgroupMemoryInfo: Codable, Equatable, Sendable {
    public var usage: UInt64?
    public var limit: UInt64?
    public var high: UInt64?
    public var softLimit: UInt64?
    public var swap: UInt64?
    public var stat: Stat?
    public var events: Events?
    public var pressure: PressureInfo?

    public init(usage: UInt64? = nil, limit: UInt64? = nil, high: UInt64? = nil, softLimit: UInt64? = nil,
                swap: UInt64? = nil, stat: Stat? = nil, events: Events? = nil, pressure: PressureInfo? = nil) {
        self.usage = usage
        self.limit = limit
        self.high = high
        self.softLimit = softLimit
        self.swap = swap
        self.stat = stat
        self.events = events
        self.pressure = pressure
    }

    enum CodingKeys: String, CodingKey {
        case usage, limit, high, swap, stat, events, pressure
        case softLimit = "soft_limit"
    }

    /// memory.stat, bytes.
    public struct Stat: Codable, Equatable, Sendable {
        public var anon: UInt64?
        public var file: UInt64?
        public var kernelStack: UInt64?
        public var pagetables: UInt64?
        public var sock: UInt64?
        public var shmem: UInt64?
        public var slab: UInt64?
        public var anonTHP: UInt64?
        public var fileMapped: UInt64?

        public init(anon: UInt64? = nil, file: UInt64? = nil, kernelStack: UInt64? = nil, pagetables: UInt64? = nil,
                    sock: UInt64? = nil, shmem: UInt64? = nil, slab: UInt64? = nil, anonTHP: UInt64? = nil,
                    fileMapped: UInt64? = nil) {
            self.anon = anon
            self.file = file
            self.kernelStack = kernelStack
            self.pagetables = pagetables
            self.sock = sock
            self.shmem = shmem
            self.slab = slab
            self.anonTHP = anonTHP
            self.fileMapped = fileMapped
        }

        enum CodingKeys: String, CodingKey {
            case anon, file, pagetables, sock, shmem, slab
            case kernelStack = "kernel_stack", anonTHP = "anon_thp", fileMapped = "file_mapped"
        }
    }

    /// Limit event counts since the cgroup was created (v2 memory.events; v1 oom_control, failcnt).
    public struct Events: Codable, Equatable, Sendable {
        public var low: UInt64?
        public var high: UInt64?
        public var max: UInt64?
        public var oom: UInt64?
        public var oomKill: UInt64?
        public var oomGroupKill: UInt64?
        public var failcnt: UInt64?
        public var underOOM: Bool?
        public var oomKillDisable: Bool?

        public init(low: UInt64? = nil, high: UInt64? = nil, max: UInt64? = nil, oom: UInt64? = nil,
                    oomKill: UInt64? = nil, oomGroupKill: UInt64? = nil, failcnt: UInt64? = nil,
                    underOOM: Bool? = nil, oomKillDisable: Bool? = nil) {
            self.low = low
            self.high = high
            self.max = max
            self.oom = oom
            self.oomKill = oomKill
            self.oomGroupKill = oomGroupKill
            self.failcnt = failcnt
            self.underOOM = underOOM
            self.oomKillDisable = oomKillDisable
        }

        enum CodingKeys: String, CodingKey {
            case low, high, max, oom, failcnt
            case oomKill = "oom_kill", oomGroupKill = "oom_group_kill", underOOM = "under_oom"
            case oomKillDisable = "oom_kill_disable"
        }
    }
}

/// Memory pressure stall information (PSI) of the host or of a v2 cgroup: defs.schema.json
/// `#/$defs/pressure`.
public struct PressureInfo: Codable, Equatable, Sendable {
    /// Some task stalled on memory.
    public var some: Stall
    /// All non-idle tasks stalled at once.
    public var full: Stall

    public init(some: Stall, full: Stall) {
        self.some = some
        self.full = full
    }

    /// Percent of wall time stalled over the last 10, 60 and 300 s, and microseconds stalled in total.
    public struct Stall: Codable, Equatable, Sendable {
        public var avg10: Double
        public var avg60: Double
        public var avg300: Double
        public var totalUs: UInt64

        public init(avg10: Double, avg60: Double, avg300: Double, totalUs: UInt64) {
            self.avg10 = avg10
            self.avg60 = avg60
            self.avg300 = avg300
            self.totalUs = totalUs
        }

        enum CodingKeys: String, CodingKey {
            case avg10, avg60, avg300
            case totalUs = "total_us"
        }
    }
}

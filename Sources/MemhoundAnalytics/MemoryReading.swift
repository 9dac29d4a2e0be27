/// One interval's memory figures of a cgroup (or of a process on a host without a limit), as the
/// time-to-OOM forecast needs them.
public struct MemoryReading: Equatable, Sendable {
    public var time: Double
    /// What the kernel cannot reclaim: anon + shmem + unevictable (memory.stat; file pages are
    /// reclaimable and left out).
    public var unreclaimableBytes: UInt64
    /// memory.current (v2) or memory.usage_in_bytes (v1), carried into the alert only.
    public var usageBytes: UInt64?
    /// memory.max (v2) or memory.limit_in_bytes (v1); nil when unlimited.
    public var hardLimitBytes: UInt64?
    /// memory.high (v2) or memory.soft_limit_in_bytes (v1); nil when unlimited.
    public var softLimitBytes: UInt64?
    /// The host's MemAvailable: the headroom when there is no hard limit.
    public var hostAvailableBytes: UInt64?
    /// memory.events counters as read (cumulative); the forecast takes their increments.
    public var events: MemoryEventCounts?
    /// PSI memory `some avg10`, percent (the cgroup's memory.pressure, else the host's).
    public var pressureSomeAvg10: Double?

    public init(time: Double, unreclaimableBytes: UInt64, usageBytes: UInt64? = nil, hardLimitBytes: UInt64? = nil,
                softLimitBytes: UInt64? = nil, hostAvailableBytes: UInt64? = nil, events: MemoryEventCounts? = nil,
                pressureSomeAvg10: Double? = nil) {
        self.time = time
        self.unreclaimableBytes = unreclaimableBytes
        self.usageBytes = usageBytes
        self.hardLimitBytes = hardLimitBytes
        self.softLimitBytes = softLimitBytes
        self.hostAvailableBytes = hostAvailableBytes
        self.events = events
        self.pressureSomeAvg10 = pressureSomeAvg10
    }
}

/// memory.events (v2): times usage went over memory.high, hit memory.max, and OOMs. On v1,
/// memory.failcnt stands for `max` and memory.oom_control's oom_kill for `oom`.
public struct MemoryEventCounts: Equatable, Sendable {
    public var high: UInt64
    public var max: UInt64
    public var oom: UInt64

    public init(high: UInt64 = 0, max: UInt64 = 0, oom: UInt64 = 0) {
        self.high = high
        self.max = max
        self.oom = oom
    }

    /// Increments since `earlier`; a counter that went backwards (a new cgroup) counts 0.
    func since(_ earlier: MemoryEventCounts) -> MemoryEventCounts {
        func delta(_ now: UInt64, _ then: UInt64) -> UInt64 { now >= then ? now - then : 0 }
        return MemoryEventCounts(high: delta(high, earlier.high), max: delta(max, earlier.max), oom: delta(oom, earlier.oom))
    }

    var any: Bool { high > 0 || max > 0 || oom > 0 }
}

/// How far one limit is.
public struct LimitForecast: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case hard
        case soft
        /// No hard limit: the host's MemAvailable on top of the current unreclaimable bytes.
        case hostAvailable = "host_available"
    }

    public var kind: Kind
    public var limitBytes: Double
    /// Seconds until the recent peak reaches the limit at the growth rate; 0 when already there,
    /// nil when not growing (slower than `oomMinBytesPerHour`).
    public var etaS: Double?
}

/// The time-to-OOM forecast at one reading.
public struct OOMAssessment: Equatable, Sendable {
    public enum Reason: String, Sendable {
        case hardLimitWithin = "hard_limit_within"
        case softLimitWithin = "soft_limit_within"
        case memoryEvents = "memory_events"
        case pressure
    }

    public var time: Double
    public var severity: AlertSeverity?
    /// Why the severity is what it is (empty when nil).
    public var reasons: [Reason]
    /// The trend of the unreclaimable bytes.
    public var trend: Trend?
    /// The rate the ETAs use (`Trend.growthRatePerHour`), bytes/hour.
    public var rateBytesPerHour: Double?
    public var unreclaimableBytes: Double
    /// The highest unreclaimable reading over `oomPeakSpanS`: headroom is measured from it.
    public var peakBytes: Double
    public var usageBytes: UInt64?
    /// The hard limit, or the host's available memory when there is none.
    public var hard: LimitForecast?
    public var soft: LimitForecast?
    /// memory.events increments since the previous reading.
    public var events: MemoryEventCounts
    public var pressureSomeAvg10: Double?

    /// The nearest limit's ETA.
    public var etaS: Double? { [hard?.etaS, soft?.etaS].compactMap { $0 }.min() }
}

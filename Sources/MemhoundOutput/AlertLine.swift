/// An alert, or its end: memory grows in a way worth a person's attention (docs/alerts.md).
public struct AlertLine: Codable, Equatable, Sendable {
    public var type = "alert"
    public var time: String
    /// trend, spike, oom_forecast or gc_pressure.
    public var kind: String
    /// warning or critical.
    public var severity: String
    /// firing (new), escalated (now critical), resolved (the condition ended, or its subject did).
    public var state: String
    /// Seconds since the alert first fired (0 when it fires).
    public var activeS: Double
    /// The subject: a process (pid, comm) or a cgroup (its path), with its container when known.
    public var pid: Int32?
    public var comm: String?
    public var cgroup: String?
    public var container: ContainerInfo?
    /// The same in one sentence, as on stderr.
    public var summary: String
    /// trend: growth rate of what the subject cannot release, per window the history covers.
    public var rates: [AlertRate]?
    public var risingForS: Double?
    /// oom_forecast: the nearest limit, how far it is, and the figures behind it.
    public var etaS: Double?
    public var limit: UInt64?
    public var limitKind: String?
    public var usage: UInt64?
    public var unreclaimable: UInt64?
    public var rateBytesPerHour: Double?
    public var reasons: [String]?
    /// spike: the latest interval's growth against the median of the recent ones.
    public var increment: Double?
    public var baselineIncrement: Double?
    public var z: Double?
    /// gc_pressure: GC cycles a minute now and before.
    public var gcPerMinute: Double?
    public var gcBaselinePerMinute: Double?
    /// The suspects: sites growing (trend, oom_forecast), or that grew in the spike, with frames.
    public var sites: [SiteEntry]

    public init(time: String, kind: String, severity: String, state: String, activeS: Double, summary: String) {
        self.time = time
        self.kind = kind
        self.severity = severity
        self.state = state
        self.activeS = activeS
        self.summary = summary
        sites = []
    }

    enum CodingKeys: String, CodingKey {
        case type, time, kind, severity, state, pid, comm, cgroup, container, summary, rates, usage, limit
        case reasons, increment, z, sites, unreclaimable
        case activeS = "active_s", risingForS = "rising_for_s", etaS = "eta_s", limitKind = "limit_kind"
        case rateBytesPerHour = "rate_bytes_per_hour", baselineIncrement = "baseline_increment"
        case gcPerMinute = "gc_per_minute", gcBaselinePerMinute = "gc_baseline_per_minute"
    }
}

/// A growth rate over one window.
public struct AlertRate: Codable, Equatable, Sendable {
    public var windowS: Double
    public var bytesPerHour: Double
    /// R² of the trough line: 1 is a straight climb.
    public var steadiness: Double

    public init(windowS: Double, bytesPerHour: Double, steadiness: Double) {
        self.windowS = windowS
        self.bytesPerHour = bytesPerHour
        self.steadiness = steadiness
    }

    enum CodingKeys: String, CodingKey {
        case steadiness
        case windowS = "window_s", bytesPerHour = "bytes_per_hour"
    }
}

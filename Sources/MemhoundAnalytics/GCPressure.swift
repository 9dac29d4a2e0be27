/// One evaluation of a Go target's GC pressure.
public struct GCPressureReading: Equatable, Sendable {
    public var time: Double
    /// GC cycles per minute over `gcShortWindowS`; nil until the series covers it.
    public var gcPerMinute: Double?
    /// What the frequency is compared with: the frequency over `gcBaselineWindowS` at the last
    /// reading below the near-limit line or, when memory has been near the limit since the counter
    /// began, the lowest such frequency seen since.
    public var baselinePerMinute: Double?
    public var memoryBytes: UInt64
    public var limitBytes: UInt64?
    /// The condition holds: frequency climbed while memory sits near the limit.
    public var holds: Bool

    public var severity: AlertSeverity? { holds ? .warning : nil }
}

/// Near a GOMEMLIMIT (or a cgroup limit) the Go GC runs ever more often while RSS stays flat, so no
/// RSS trend fires; this watches the GC cycle counter instead (docs/alerts.md#gc_pressure). Feed it
/// one reading per interval.
public struct GCPressure: Sendable {
    public let thresholds: AlertThresholds
    /// The GC cycle counter so far (cleared when it goes backwards: a new process image).
    public private(set) var cycles: SampleSeries
    /// The baseline-window frequency at the last reading below the near-limit line ...
    private var calmPerMinute: Double?
    /// ... else the lowest one seen (kept, so a lasting climb stays a climb).
    private var lowestPerMinute: Double?

    public init(thresholds: AlertThresholds = AlertThresholds()) {
        self.thresholds = thresholds
        // Only the baseline plus the short window is ever looked at.
        let history = max(thresholds.gcShortWindowS + thresholds.gcBaselineWindowS, 60) * 1.25
        cycles = SampleSeries(layout: SeriesLayout(recentCapacity: 64, recentMinCount: 32, recentSpanS: 600,
                                                   troughBucketS: 60, historyS: history))
    }

    /// `gcCycles` is the runtime's cumulative count (runtime/metrics `/gc/cycles/total:gc-cycles`,
    /// or MemStats.NumGC); `memoryBytes` the process's RSS (or its cgroup's usage) and `limitBytes`
    /// the limit it is held to: the cgroup's, or GOMEMLIMIT when known. Without a limit the
    /// condition never holds: a climbing frequency at flat RSS is what more traffic looks like too.
    public mutating func update(time: Double, gcCycles: UInt64, memoryBytes: UInt64,
                                limitBytes: UInt64?) -> GCPressureReading {
        if let last = cycles.latest, Double(gcCycles) < last.value {
            cycles.removeAll()
            calmPerMinute = nil
            lowestPerMinute = nil
        }
        cycles.append(time: time, value: Double(gcCycles))
        let short = perMinute(over: thresholds.gcShortWindowS, endingAt: time)
        let nearLimit = limitBytes.map { Double(memoryBytes) >= thresholds.gcNearLimitFraction * Double($0) } ?? false
        if let long = perMinute(over: thresholds.gcBaselineWindowS, endingAt: time) {
            if !nearLimit { calmPerMinute = long }
            lowestPerMinute = min(lowestPerMinute ?? long, long)
        }
        let baseline = calmPerMinute ?? lowestPerMinute
        var holds = false
        if nearLimit, let short, let baseline {
            holds = short >= thresholds.gcMinPerMinute && short >= thresholds.gcMinRatio * baseline
        }
        return GCPressureReading(time: time, gcPerMinute: short, baselinePerMinute: baseline, memoryBytes: memoryBytes,
                                 limitBytes: limitBytes, holds: holds)
    }

    /// Cycles per minute over [end − window, end], from the readings nearest those times; nil
    /// unless the readings span at least `trendMinCoverage` of the window.
    private func perMinute(over window: Double, endingAt end: Double) -> Double? {
        guard let last = cycles.point(atOrBefore: end),
              let first = cycles.point(atOrBefore: end - window) ?? cycles.oldest else { return nil }
        let span = last.time - first.time
        guard span > 0, span >= thresholds.trendMinCoverage * window else { return nil }
        return (last.value - first.value) / span * 60
    }
}

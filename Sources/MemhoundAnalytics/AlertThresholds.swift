/// Every threshold of the analytics, with its default. docs/alerts.md explains each one and why
/// the default is what it is.
public struct AlertThresholds: Equatable, Sendable {
    // MARK: trend

    /// The windows a rate is reported for; a window counts only once the series covers
    /// `trendMinCoverage` of it.
    public var trendWindowsS: [Double] = [300, 3_600, 86_400]
    /// Each window (and each span tried for `risingForS`) is cut into this many buckets.
    public var trendBucketsPerWindow = 12
    public var trendMinCoverage = 0.8
    /// The shortest span a series must rise steadily over to count as rising (a leak is slow;
    /// shorter windows are reported but do not decide).
    public var trendRisingMinSpanS: Double = 3_600
    /// Spans tried for `risingForS` grow by this factor from `trendRisingMinSpanS`.
    public var trendRisingSpanFactor = 1.5
    /// A rise slower than max(this, `trendMinFractionPerHour` × level) is flat.
    public var trendMinBytesPerHour: Double = 1_048_576
    public var trendMinFractionPerHour = 0.002
    /// R² of the trough line a rise must reach to be steady.
    public var trendMinSteadiness = 0.8
    /// Each half of a rising span must rise at least this share of the span's rate (a rise that
    /// began late in the span, or stopped, is not steady across it).
    public var trendHalvesMinShare = 0.5
    /// Leak suspects are named only while the process's other sites together grow at most this
    /// share of the suspects' rate.
    public var leakOthersMaxShare = 0.5

    // MARK: spike

    /// Increments the latest one is compared with.
    public var spikeWindow = 30
    /// No spike before this many baseline increments, nor before the series is this old.
    public var spikeMinIncrements = 10
    public var spikeWarmupS: Double = 300
    /// Robust z-score (latest increment against the median and scaled MAD of the baseline).
    public var spikeMinZ = 6.0
    /// The increment must exceed the baseline median by max(this, `spikeMinFraction` × level).
    public var spikeMinBytes: Double = 16 * 1_048_576
    public var spikeMinFraction = 0.05

    // MARK: time to OOM

    public var oomWarnWithinS: Double = 3_600
    public var oomCriticalWithinS: Double = 600
    /// Slower growth has no ETA.
    public var oomMinBytesPerHour: Double = 1_048_576
    /// PSI memory `some avg10` (percent) at or above which growth toward a limit is critical.
    public var oomPressureSomeAvg10 = 10.0
    /// The recent peak (highest point over this span) is what a limit's headroom is measured from.
    public var oomPeakSpanS: Double = 300

    // MARK: Go GC pressure

    public var gcShortWindowS: Double = 300
    public var gcBaselineWindowS: Double = 1_800
    /// GC frequency must be at least this multiple of the baseline ...
    public var gcMinRatio = 2.0
    /// ... and at least this many cycles per minute ...
    public var gcMinPerMinute = 4.0
    /// ... while memory is at least this fraction of the limit.
    public var gcNearLimitFraction = 0.9

    // MARK: hysteresis

    public var trendPolicy = AlertPolicy(holdFor: 3, clearFor: 6, cooldownS: 3_600)
    public var spikePolicy = AlertPolicy(holdFor: 1, clearFor: 3, cooldownS: 900)
    public var oomPolicy = AlertPolicy(holdFor: 2, clearFor: 3, cooldownS: 900)
    public var gcPressurePolicy = AlertPolicy(holdFor: 3, clearFor: 6, cooldownS: 1_800)

    public init() {}

    public func policy(for kind: AlertKind) -> AlertPolicy {
        switch kind {
        case .trend: trendPolicy
        case .spike: spikePolicy
        case .oomForecast: oomPolicy
        case .gcPressure: gcPressurePolicy
        }
    }
}

/// How an alert's condition becomes events: it fires after holding for `holdFor` consecutive
/// evaluations, resolves after being false for `clearFor`, and once resolved does not fire again at
/// the same or a lower severity until `cooldownS` after it resolved (a flapping condition alerts
/// at most once per cooldown).
public struct AlertPolicy: Equatable, Sendable {
    public var holdFor: Int
    public var clearFor: Int
    public var cooldownS: Double

    public init(holdFor: Int, clearFor: Int, cooldownS: Double) {
        precondition(holdFor >= 1 && clearFor >= 1, "hold and clear count evaluations, at least one")
        self.holdFor = holdFor
        self.clearFor = clearFor
        self.cooldownS = cooldownS
    }
}

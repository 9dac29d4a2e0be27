/// The growth of one series over one window, fitted to its troughs (docs/alerts.md#trend).
public struct TrendWindow: Equatable, Sendable {
    public var durationS: Double
    /// Slope of the trough line, in the series' unit per hour (bytes/hour for memory).
    public var ratePerHour: Double
    /// R² of the trough line (0...1): near 1 when the troughs lie on a line, near 0 for noise or a
    /// flat sawtooth.
    public var steadiness: Double
    /// Non-empty buckets the line was fitted to.
    public var buckets: Int

    public init(durationS: Double, ratePerHour: Double, steadiness: Double, buckets: Int) {
        self.durationS = durationS
        self.ratePerHour = ratePerHour
        self.steadiness = steadiness
        self.buckets = buckets
    }
}

/// What `TrendEstimator` says about one series at its latest sample.
public struct Trend: Equatable, Sendable {
    public var time: Double
    /// The latest value.
    public var level: Double
    /// The configured windows the series covers, shortest first.
    public var windows: [TrendWindow]
    /// The rate to plan with (time to OOM, fastest-growing sites): the fastest window whose fit is
    /// steady, else the longest window if it spans at least `trendRisingMinSpanS` (enough troughs
    /// that a sawtooth cannot fake a slope), else nil.
    public var growthRatePerHour: Double?
    /// The troughs rise steadily over at least `trendRisingMinSpanS` up to now.
    public var rising: Bool
    /// The longest span up to now over which the troughs rise steadily and rise in its earlier
    /// half too (0 when not rising): the growth began up to one `trendRisingSpanFactor` step before.
    public var risingForS: Double
    /// The rate over that span, when rising.
    public var risingRatePerHour: Double?

    public init(time: Double, level: Double, windows: [TrendWindow], growthRatePerHour: Double?, rising: Bool,
                risingForS: Double, risingRatePerHour: Double?) {
        self.time = time
        self.level = level
        self.windows = windows
        self.growthRatePerHour = growthRatePerHour
        self.rising = rising
        self.risingForS = risingForS
        self.risingRatePerHour = risingRatePerHour
    }

    public func window(_ durationS: Double) -> TrendWindow? { windows.first { $0.durationS == durationS } }

}

/// One observation: seconds on any steady clock, and a value (bytes, or a counter).
public struct Sample: Equatable, Sendable {
    public var time: Double
    public var value: Double

    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }
}

/// How a `SampleSeries` trades resolution for memory: recent samples at full resolution, older
/// ones as the minimum of each `troughBucketS` bucket (the trough: what the GC could not reclaim),
/// for `historyS`. The point count never exceeds `maxPoints`, whatever the sampling interval.
public struct SeriesLayout: Equatable, Sendable {
    /// Full-resolution samples kept at most (the bound when samples come faster than expected).
    public var recentCapacity: Int
    /// Full-resolution samples kept whatever their age (the spike detector's baseline needs them).
    public var recentMinCount: Int
    /// Samples younger than this stay at full resolution (within `recentCapacity`).
    public var recentSpanS: Double
    /// Width of the buckets older samples are folded into, keeping each bucket's minimum.
    public var troughBucketS: Double
    /// How far back troughs are kept.
    public var historyS: Double

    public init(recentCapacity: Int, recentMinCount: Int, recentSpanS: Double, troughBucketS: Double, historyS: Double) {
        precondition(recentCapacity >= 2 && recentMinCount <= recentCapacity, "a series keeps at least two recent samples")
        precondition(troughBucketS > 0 && historyS >= troughBucketS, "troughs need a positive bucket within the history")
        self.recentCapacity = recentCapacity
        self.recentMinCount = recentMinCount
        self.recentSpanS = recentSpanS
        self.troughBucketS = troughBucketS
        self.historyS = historyS
    }

    /// 10 minutes at full resolution (at most 600 samples), then per-minute troughs for 24 hours:
    /// at most 2,041 points (32 KiB of samples). For process, cgroup and GC-counter series.
    public static let standard = SeriesLayout(
        recentCapacity: 600, recentMinCount: 32, recentSpanS: 600, troughBucketS: 60, historyS: 86_400)

    /// 64 recent samples, then 5-minute troughs for 24 hours: at most 353 points (5.6 KiB). For
    /// per-site series, of which a process has hundreds; trends of 1 h and longer are unaffected.
    public static let compact = SeriesLayout(
        recentCapacity: 64, recentMinCount: 32, recentSpanS: 600, troughBucketS: 300, historyS: 86_400)

    /// The most points a series with this layout holds.
    public var maxPoints: Int { recentCapacity + troughCapacity }

    /// One bucket per `troughBucketS` of history, plus the one being filled.
    var troughCapacity: Int { Int((historyS / troughBucketS).rounded(.up)) + 1 }
}

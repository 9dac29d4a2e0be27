/// A sudden rise of a series against its recent increments.
public struct Spike: Equatable, Sendable {
    public var time: Double
    /// The latest increment (value now − previous value).
    public var increment: Double
    /// Median of the baseline increments: the usual step.
    public var baselineIncrement: Double
    /// Robust z-score of the increment.
    public var z: Double
    /// The value before the increment.
    public var previousLevel: Double
}

/// Flags the latest increment of a series when it is far above the recent increments: a robust
/// z-score (median and scaled MAD, which a GC drop or one burst cannot inflate), upward only, after
/// a warm-up, and never for an increment too small to matter (docs/alerts.md#spike).
public struct SpikeDetector: Sendable {
    public let thresholds: AlertThresholds

    public init(thresholds: AlertThresholds = AlertThresholds()) {
        self.thresholds = thresholds
    }

    /// The spike at the series' latest sample, or nil.
    public func evaluate(_ series: SampleSeries) -> Spike? {
        let points = series.last(thresholds.spikeWindow + 2)
        guard points.count >= 3, let latest = points.last, let start = series.startTime,
              latest.time - start >= thresholds.spikeWarmupS else { return nil }
        let increments = zip(points.dropFirst(), points).map { $0.value - $1.value }
        let baseline = Array(increments.dropLast())
        guard baseline.count >= thresholds.spikeMinIncrements, let step = increments.last,
              let center = RobustStatistics.median(baseline) else { return nil }
        let previous = points[points.count - 2].value
        let excess = step - center
        // Noise floor: an excess below this is never a spike, whatever the z-score.
        guard excess >= max(thresholds.spikeMinBytes, thresholds.spikeMinFraction * abs(previous)) else { return nil }
        // A flat baseline has a MAD of 0; the noise floor above already decided.
        let spread = max(RobustStatistics.scaledMAD(baseline, around: center), .leastNormalMagnitude)
        let z = excess / spread
        guard z >= thresholds.spikeMinZ else { return nil }
        return Spike(time: latest.time, increment: step, baselineIncrement: center, z: z, previousLevel: previous)
    }

    /// Sites whose increment into `time` is at least `minIncrement`, largest first, at most
    /// `limit`: the sites that grew in a spike of their process.
    public func grownSites<SiteKey: Hashable & Sendable>(_ sites: [SiteKey: SampleSeries], at time: Double,
                                                         minIncrement: Double = 1_048_576,
                                                         limit: Int) -> [SiteIncrement<SiteKey>] {
        let grown = sites.compactMap { site, series -> SiteIncrement<SiteKey>? in
            let last = series.last(2)
            guard last.count == 2, last[1].time == time else { return nil }
            let increment = last[1].value - last[0].value
            return increment >= minIncrement ? SiteIncrement(site: site, increment: increment) : nil
        }
        return Array(grown.sorted { $0.increment > $1.increment }.prefix(limit))
    }
}

/// How much a site grew in the latest interval.
public struct SiteIncrement<SiteKey: Hashable & Sendable>: Equatable, Sendable {
    public var site: SiteKey
    public var increment: Double
}

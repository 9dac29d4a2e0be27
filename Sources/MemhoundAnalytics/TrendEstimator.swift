/// Growth rates of a series that a GC sawtooth or allocator caching cannot fake: each window is
/// cut into buckets, each bucket's minimum (its trough: what was not reclaimed) is kept, and a
/// Theil–Sen line through the troughs gives the rate (docs/alerts.md#trend).
public struct TrendEstimator: Sendable {
    public let thresholds: AlertThresholds

    public init(thresholds: AlertThresholds = AlertThresholds()) {
        self.thresholds = thresholds
    }

    /// The trend at the series' latest sample; nil for an empty series.
    public func estimate(_ series: SampleSeries) -> Trend? {
        guard let latest = series.latest, let oldest = series.oldest else { return nil }
        let covered = latest.time - oldest.time
        let windows = thresholds.trendWindowsS.sorted().compactMap { duration -> TrendWindow? in
            guard covered >= thresholds.trendMinCoverage * duration,
                  let line = fit(series, span: duration, now: latest.time) else { return nil }
            return TrendWindow(durationS: duration, ratePerHour: line.ratePerHour, steadiness: line.fit,
                               buckets: line.buckets)
        }
        let rise = longestRise(series, now: latest.time, covered: covered, level: latest.value)
        return Trend(time: latest.time, level: latest.value, windows: windows, growthRatePerHour: growthRate(windows),
                     rising: rise != nil, risingForS: rise.map { min($0.span, covered) } ?? 0,
                     risingRatePerHour: rise?.ratePerHour)
    }

    /// The longest span up to now whose troughs rise steadily: how long the growth has gone on.
    /// Both halves must rise at a good part of the span's rate too, or a flat stretch before a
    /// recent rise would lengthen the span, and one after a rise that stopped would keep it rising.
    private func longestRise(_ series: SampleSeries, now: Double, covered: Double,
                             level: Double) -> (span: Double, ratePerHour: Double)? {
        let floor = minimumRatePerHour(level: level)
        var longest: (span: Double, ratePerHour: Double)?
        for span in risingSpans(covered: covered) {
            guard let line = fit(series, span: span, now: now), line.rises(floor, thresholds.trendMinSteadiness)
            else { continue }
            let halfFloor = max(floor, thresholds.trendHalvesMinShare * line.ratePerHour)
            guard let early = fit(series, span: span / 2, now: now - span / 2), early.rises(halfFloor, 0),
                  let late = fit(series, span: span / 2, now: now), late.rises(halfFloor, 0) else { continue }
            longest = (span, line.ratePerHour)
        }
        return longest
    }

    /// The fastest window whose fit is steady, else the longest window if it is at least
    /// `trendRisingMinSpanS` (enough troughs that a sawtooth cannot fake a slope), else nil.
    private func growthRate(_ windows: [TrendWindow]) -> Double? {
        if let steady = windows.filter({ $0.steadiness >= thresholds.trendMinSteadiness }).map(\.ratePerHour).max() {
            return steady
        }
        guard let longest = windows.last, longest.durationS >= thresholds.trendRisingMinSpanS else { return nil }
        return longest.ratePerHour
    }

    /// The lowest rate that is not flat for a series at `level`, per hour.
    public func minimumRatePerHour(level: Double) -> Double {
        max(thresholds.trendMinBytesPerHour, thresholds.trendMinFractionPerHour * abs(level))
    }

    private struct TroughLine {
        var ratePerHour: Double
        var fit: Double
        var buckets: Int

        func rises(_ floorPerHour: Double, _ minSteadiness: Double) -> Bool {
            ratePerHour >= floorPerHour && fit >= minSteadiness
        }
    }

    /// The Theil–Sen line through the bucket minima of [now − span, now].
    private func fit(_ series: SampleSeries, span: Double, now: Double) -> TroughLine? {
        let troughs = series.bucketMinima(from: now - span, to: now, buckets: thresholds.trendBucketsPerWindow)
        guard let line = RobustStatistics.theilSen(troughs) else { return nil }
        return TroughLine(ratePerHour: line.slope * 3_600, fit: line.fit, buckets: troughs.count)
    }

    /// trendRisingMinSpanS × factor^k while covered, then the whole covered history; shortest first.
    private func risingSpans(covered: Double) -> [Double] {
        let coverage = thresholds.trendMinCoverage
        var spans: [Double] = []
        var span = thresholds.trendRisingMinSpanS
        while covered >= coverage * span {
            spans.append(span)
            span *= max(1.01, thresholds.trendRisingSpanFactor)
        }
        if let last = spans.last, covered > last { spans.append(covered) }
        return spans
    }
}

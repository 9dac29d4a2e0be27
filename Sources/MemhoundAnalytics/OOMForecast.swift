/// Time to OOM for one cgroup (or a process on an unlimited host): how long until the memory the
/// kernel cannot reclaim reaches the hard and soft limits at its trend, and how bad that is
/// (docs/alerts.md#oom_forecast). Feed it one `MemoryReading` per interval.
public struct OOMForecast: Sendable {
    public let thresholds: AlertThresholds
    /// The unreclaimable bytes so far.
    public private(set) var series: SampleSeries
    private var lastEvents: MemoryEventCounts?

    /// A limit this large means "no limit" (v1 reports unlimited as PAGE_COUNTER_MAX pages).
    static let unlimited: UInt64 = 1 << 62

    public init(thresholds: AlertThresholds = AlertThresholds(), layout: SeriesLayout = .standard) {
        self.thresholds = thresholds
        series = SampleSeries(layout: layout)
    }

    public mutating func update(_ reading: MemoryReading) -> OOMAssessment {
        series.append(time: reading.time, value: Double(reading.unreclaimableBytes))
        // Increments since the previous reading; the first reading has none.
        var events = MemoryEventCounts()
        if let now = reading.events {
            if let before = lastEvents { events = now.since(before) }
            lastEvents = now
        }

        let trend = TrendEstimator(thresholds: thresholds).estimate(series)
        let rate = trend?.growthRatePerHour
        let current = Double(reading.unreclaimableBytes)
        let peak = series.points(from: reading.time - thresholds.oomPeakSpanS).map(\.value).max() ?? current
        let growthRate = rate.flatMap { $0 >= thresholds.oomMinBytesPerHour ? $0 : nil }
        let growing = growthRate != nil

        func forecast(_ kind: LimitForecast.Kind, _ limit: Double) -> LimitForecast {
            let eta = peak >= limit ? 0 : growthRate.map { (limit - peak) / $0 * 3_600 }
            return LimitForecast(kind: kind, limitBytes: limit, etaS: eta)
        }
        let hard = Self.limit(reading.hardLimitBytes).map { forecast(.hard, $0) }
            ?? reading.hostAvailableBytes.map { forecast(.hostAvailable, current + Double($0)) }
        let soft = Self.limit(reading.softLimitBytes).map { forecast(.soft, $0) }

        var assessment = OOMAssessment(
            time: reading.time, severity: nil, reasons: [], trend: trend, rateBytesPerHour: rate,
            unreclaimableBytes: current, peakBytes: peak, usageBytes: reading.usageBytes, hard: hard, soft: soft,
            events: events, pressureSomeAvg10: reading.pressureSomeAvg10)
        (assessment.severity, assessment.reasons) = grade(hard: hard, soft: soft, growing: growing, events: events,
                                                          pressure: reading.pressureSomeAvg10)
        return assessment
    }

    /// critical: the hard limit within `oomCriticalWithinS`, or growth toward a limit while the
    /// kernel already reports limit events or memory pressure; warning: either limit within
    /// `oomWarnWithinS`.
    private func grade(hard: LimitForecast?, soft: LimitForecast?, growing: Bool, events: MemoryEventCounts,
                       pressure: Double?) -> (AlertSeverity?, [OOMAssessment.Reason]) {
        let hardETA = hard?.etaS ?? .infinity
        let softETA = soft?.etaS ?? .infinity
        let towardLimit = growing && (hard != nil || soft != nil)
        var critical: [OOMAssessment.Reason] = []
        if hardETA <= thresholds.oomCriticalWithinS { critical.append(.hardLimitWithin) }
        if towardLimit && events.any { critical.append(.memoryEvents) }
        if towardLimit, let pressure, pressure >= thresholds.oomPressureSomeAvg10 { critical.append(.pressure) }
        if !critical.isEmpty { return (.critical, critical) }
        var warning: [OOMAssessment.Reason] = []
        if hardETA <= thresholds.oomWarnWithinS { warning.append(.hardLimitWithin) }
        if softETA <= thresholds.oomWarnWithinS { warning.append(.softLimitWithin) }
        return (warning.isEmpty ? nil : .warning, warning)
    }

    private static func limit(_ bytes: UInt64?) -> Double? {
        guard let bytes, bytes < unlimited else { return nil }
        return Double(bytes)
    }
}

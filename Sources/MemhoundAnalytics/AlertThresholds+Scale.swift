extension AlertThresholds {
    /// Every time span multiplied by `factor` (windows, spans, warm-up, peak span, GC windows,
    /// cooldowns): the same methods at another time scale, for short-lived workloads (factor < 1)
    /// or slower ones. The ETA tiers (`oomWarnWithinS`, `oomCriticalWithinS`) are not scaled: they
    /// are how much warning the operator wants, whatever the workload.
    public func scaled(by factor: Double) -> AlertThresholds {
        guard factor != 1, factor > 0, factor.isFinite else { return self }
        var t = self
        t.trendWindowsS = trendWindowsS.map { $0 * factor }
        t.trendRisingMinSpanS *= factor
        t.spikeWarmupS *= factor
        t.oomPeakSpanS *= factor
        t.gcShortWindowS *= factor
        t.gcBaselineWindowS *= factor
        for path in [\AlertThresholds.trendPolicy, \.spikePolicy, \.oomPolicy, \.gcPressurePolicy] {
            t[keyPath: path].cooldownS *= factor
        }
        return t
    }
}

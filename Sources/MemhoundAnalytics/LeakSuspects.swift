/// A call site whose resident bytes rise steadily while the rest of its process does not.
public struct LeakSuspect<SiteKey: Hashable & Sendable>: Equatable, Sendable {
    public var site: SiteKey
    public var trend: Trend
    /// The rate over the span it has been rising for.
    public var ratePerHour: Double
    public var risingForS: Double
}

/// A site and how fast it grows, for naming what drives an alert.
public struct SiteRate<SiteKey: Hashable & Sendable>: Equatable, Sendable {
    public var site: SiteKey
    public var ratePerHour: Double
}

/// A `trend` alert's condition for one process or cgroup: its own series rises, or some of its
/// sites are leak suspects.
public struct TrendFinding<SiteKey: Hashable & Sendable>: Equatable, Sendable {
    public var subject: Trend
    /// Ranked by rate, fastest first.
    public var suspects: [LeakSuspect<SiteKey>]

    public var holds: Bool { subject.rising || !suspects.isEmpty }
    public var severity: AlertSeverity? { holds ? .warning : nil }
}

/// Picks leak suspects among the sites of one process (or cgroup), given their trends.
public struct LeakSuspects: Sendable {
    public let thresholds: AlertThresholds

    public init(thresholds: AlertThresholds = AlertThresholds()) {
        self.thresholds = thresholds
    }

    /// Sites that rise steadily (`Trend.rising`), ranked by rate, provided the other sites together
    /// grow (by their longest window) at most `leakOthersMaxShare` of the suspects' rate: when the
    /// rest of the process grows too, it is not one site leaking.
    public func find<SiteKey>(in sites: [SiteKey: Trend]) -> [LeakSuspect<SiteKey>] {
        var suspects: [LeakSuspect<SiteKey>] = []
        var othersRate = 0.0
        for (site, trend) in sites {
            if trend.rising, let rate = trend.risingRatePerHour {
                suspects.append(LeakSuspect(site: site, trend: trend, ratePerHour: rate, risingForS: trend.risingForS))
            } else {
                // The longest window: the most troughs, the least swayed by where a cache is in its cycle.
                othersRate += max(0, trend.windows.last?.ratePerHour ?? 0)
            }
        }
        let suspectsRate = suspects.reduce(0) { $0 + $1.ratePerHour }
        guard othersRate <= thresholds.leakOthersMaxShare * suspectsRate else { return [] }
        return suspects.sorted { $0.ratePerHour > $1.ratePerHour }
    }

    /// The trend alert's condition for a subject with its sites' trends.
    public func finding<SiteKey>(subject: Trend, sites: [SiteKey: Trend]) -> TrendFinding<SiteKey> {
        TrendFinding(subject: subject, suspects: find(in: sites))
    }

    /// The `limit` fastest-growing sites (positive `growthRatePerHour` only), fastest first: the
    /// sites an `oom_forecast` or `gc_pressure` alert names.
    public func fastestGrowing<SiteKey>(_ sites: [SiteKey: Trend], limit: Int) -> [SiteRate<SiteKey>] {
        let rates = sites.compactMap { site, trend -> SiteRate<SiteKey>? in
            guard let rate = trend.growthRatePerHour, rate > 0 else { return nil }
            return SiteRate(site: site, ratePerHour: rate)
        }
        return Array(rates.sorted { $0.ratePerHour > $1.ratePerHour }.prefix(limit))
    }
}

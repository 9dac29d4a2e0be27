import Foundation
import MemhoundAnalytics
import MemhoundOutput

/// Feeds each round of reports and group lines to the analytics (MemhoundAnalytics) and turns their
/// events into alert lines: one series per process (anonymous + shared memory), per reported site,
/// per cgroup (what it cannot reclaim), and a GC counter per Go process (docs/alerts.md).
struct AlertEngine {
    let thresholds: AlertThresholds
    private var tracker: AlertTracker
    private var memory: [Int32: SampleSeries] = [:]
    private var sites: [Int32: [String: SampleSeries]] = [:]
    private var latestSites: [Int32: [String: SiteEntry]] = [:]
    /// This round's trend of each site, estimated once (the cgroup's alerts read them too).
    private var siteTrends: [Int32: [String: Trend]] = [:]
    private var cgroups: [String: OOMForecast] = [:]
    private var gc: [Int32: GCPressure] = [:]
    /// Subjects' names for the lines: a process's comm and cgroup, a cgroup's container.
    private var comms: [Int32: String] = [:]
    private var containers: [String: ContainerInfo] = [:]

    /// Sites named per alert, at most.
    static let suspects = 5

    init(thresholds: AlertThresholds) {
        self.thresholds = thresholds
        tracker = AlertTracker(thresholds: thresholds)
    }

    /// One process's report of this round (`t`: seconds, steady clock); returns the trend figures
    /// its report carries, and any alert changes.
    mutating func process(_ r: ReportLine, goGC: (cycles: UInt64, limit: UInt64?)?, t: Double,
                          time: String) -> (trend: [AlertRate]?, alerts: [AlertLine]) {
        let pid = r.pid
        comms[pid] = r.comm
        memory[pid, default: SampleSeries()].append(time: t, value: Double(r.rss.anon + r.rss.shmem))
        // A site leaving the report (past --top) leaves its series: they stay bounded by --top.
        var current: [String: SampleSeries] = [:]
        var entries: [String: SiteEntry] = [:]
        for site in r.sites {
            let key = Self.key(site)
            var series = sites[pid]?[key] ?? SampleSeries(layout: .compact)
            series.append(time: t, value: Double(site.bytes))
            current[key] = series
            entries[key] = site
        }
        sites[pid] = current
        latestSites[pid] = entries
        var alerts: [AlertLine] = []
        let estimator = TrendEstimator(thresholds: thresholds)
        let trend = memory[pid].flatMap { estimator.estimate($0) }
        let trends = current.compactMapValues { estimator.estimate($0) }
        siteTrends[pid] = trends
        if let trend {
            let finding = LeakSuspects(thresholds: thresholds).finding(subject: trend, sites: trends)
            if let event = tracker.update(AlertKey(.trend, .process(pid: pid)), severity: finding.severity, at: t) {
                var line = base(event, time: time, pid: pid, cgroup: nil)
                line.rates = Self.rates(trend)
                line.risingForS = finding.suspects.map(\.risingForS).max() ?? trend.risingForS
                let named = finding.suspects.isEmpty
                    ? LeakSuspects(thresholds: thresholds).fastestGrowing(trends, limit: Self.suspects)
                        .map { ($0.site, $0.ratePerHour) }
                    : finding.suspects.prefix(Self.suspects).map { ($0.site, $0.ratePerHour) }
                line.sites = named.compactMap { key, rate in entries[key].map { var s = $0; s.rateBytesPerHour = rate; return s } }
                line.rateBytesPerHour = trend.risingRatePerHour ?? trend.growthRatePerHour
                line.summary = summary(line, "grows \(Self.rate(line.rateBytesPerHour)) steadily for \(Self.duration(line.risingForS ?? 0))")
                alerts.append(line)
            }
        }
        if let series = memory[pid] {
            let detector = SpikeDetector(thresholds: thresholds)
            let spike = detector.evaluate(series)
            if let event = tracker.update(AlertKey(.spike, .process(pid: pid)), severity: spike.map { _ in .warning }, at: t) {
                var line = base(event, time: time, pid: pid, cgroup: nil)
                if let spike {
                    line.increment = spike.increment
                    line.baselineIncrement = spike.baselineIncrement
                    line.z = spike.z.isFinite ? spike.z : nil
                    // A site first reported in this round grew from nothing.
                    let grown = current.compactMap { key, series -> (String, Double)? in
                        let last = series.last(2)
                        let increment = last.count == 2 ? last[1].value - last[0].value : last.last?.value ?? 0
                        return increment >= 1_048_576 ? (key, increment) : nil
                    }
                    line.sites = grown.sorted { $0.1 > $1.1 }.prefix(Self.suspects).compactMap { key, increment in
                        entries[key].map { var s = $0; s.spikeBytes = increment; return s }
                    }
                }
                line.summary = summary(line, spike.map { "grew \(Self.mib($0.increment)) in one interval (usually \(Self.mib($0.baselineIncrement)))" } ?? "")
                alerts.append(line)
            }
        }
        if let goGC {
            let reading = gc[pid, default: GCPressure(thresholds: thresholds)]
                .update(time: t, gcCycles: goGC.cycles, memoryBytes: UInt64(max(0, r.rss.anon)), limitBytes: goGC.limit)
            if let event = tracker.update(AlertKey(.gcPressure, .process(pid: pid)), severity: reading.severity, at: t) {
                var line = base(event, time: time, pid: pid, cgroup: nil)
                line.gcPerMinute = reading.gcPerMinute
                line.gcBaselinePerMinute = reading.baselinePerMinute
                line.usage = reading.memoryBytes
                line.limit = reading.limitBytes
                line.summary = summary(line, "its GC runs \(String(format: "%.0f", reading.gcPerMinute ?? 0)) times a minute (before: \(String(format: "%.0f", reading.baselinePerMinute ?? 0))) at \(Self.mib(Double(reading.memoryBytes))) of its \(Self.mib(Double(reading.limitBytes ?? 0))) limit")
                alerts.append(line)
            }
        }
        return (Self.reportRates(trend), alerts)
    }

    /// The trend figures of a process's history so far (final reports), nothing added.
    func trend(pid: Int32) -> [AlertRate]? {
        Self.reportRates(memory[pid].flatMap { TrendEstimator(thresholds: thresholds).estimate($0) })
    }

    /// One cgroup's group line of this round: time to OOM (and its trend), naming the growing sites
    /// of its processes.
    mutating func cgroup(_ g: GroupLine, reading: MemoryReading, time: String) -> (trend: [AlertRate]?, alerts: [AlertLine]) {
        if let container = g.container { containers[g.cgroup] = container }
        let assessment = cgroups[g.cgroup, default: OOMForecast(thresholds: thresholds)].update(reading)
        let growing = growingSites(g.pids)
        var alerts: [AlertLine] = []
        // trend: what the cgroup cannot reclaim rises steadily.
        if let trend = assessment.trend {
            let finding = LeakSuspects(thresholds: thresholds).finding(subject: trend, sites: [String: Trend]())
            if let event = tracker.update(AlertKey(.trend, .cgroup(path: g.cgroup)), severity: finding.severity, at: reading.time) {
                var line = base(event, time: time, pid: nil, cgroup: g.cgroup)
                line.rates = Self.rates(trend)
                line.risingForS = trend.risingForS
                line.rateBytesPerHour = trend.risingRatePerHour ?? trend.growthRatePerHour
                line.usage = assessment.usageBytes
                line.unreclaimable = UInt64(assessment.unreclaimableBytes)
                line.sites = growing
                line.summary = summary(line, "grows \(Self.rate(line.rateBytesPerHour)) steadily for \(Self.duration(trend.risingForS))")
                alerts.append(line)
            }
        }
        guard let event = tracker.update(AlertKey(.oomForecast, .cgroup(path: g.cgroup)), severity: assessment.severity, at: reading.time)
        else { return (Self.reportRates(assessment.trend), alerts) }
        var line = base(event, time: time, pid: nil, cgroup: g.cgroup)
        let nearest = [assessment.hard, assessment.soft].compactMap { $0 }.filter { $0.etaS != nil }.min { $0.etaS! < $1.etaS! }
        line.etaS = nearest?.etaS
        line.limit = nearest.map { UInt64($0.limitBytes) }
        line.limitKind = nearest?.kind.rawValue
        line.usage = assessment.usageBytes
        line.unreclaimable = UInt64(assessment.unreclaimableBytes)
        line.rateBytesPerHour = assessment.rateBytesPerHour
        line.reasons = assessment.reasons.map(\.rawValue)
        line.rates = assessment.trend.map(Self.rates)
        line.sites = growing
        let eta = line.etaS.map { "reaches its \(line.limitKind ?? "") limit of \(Self.mib(Double(line.limit ?? 0))) in \(Self.duration($0))" }
            ?? "is under memory pressure"
        line.summary = summary(line, "\(eta) at \(Self.rate(line.rateBytesPerHour))")
        alerts.append(line)
        return (Self.reportRates(assessment.trend), alerts)
    }

    /// The fastest-growing sites of a cgroup's processes.
    private func growingSites(_ pids: [Int32]) -> [SiteEntry] {
        var rated: [(SiteEntry, Double)] = []
        for pid in pids {
            for (key, trend) in siteTrends[pid] ?? [:] {
                guard let rate = trend.growthRatePerHour, rate > 0, let entry = latestSites[pid]?[key] else { continue }
                rated.append((entry, rate))
            }
        }
        return rated.sorted { $0.1 > $1.1 }.prefix(Self.suspects).map { var s = $0.0; s.rateBytesPerHour = $0.1; return s }
    }

    /// A process ended: its alerts resolve, its series go.
    mutating func ended(pid: Int32, t: Double, time: String) -> [AlertLine] {
        defer {
            memory[pid] = nil
            sites[pid] = nil
            latestSites[pid] = nil
            siteTrends[pid] = nil
            gc[pid] = nil
            comms[pid] = nil
        }
        return AlertKind.allCases.compactMap { kind in
            tracker.end(AlertKey(kind, .process(pid: pid)), at: t).map { event in
                var line = base(event, time: time, pid: pid, cgroup: nil)
                line.summary = summary(line, "ended")
                return line
            }
        }
    }

    /// A cgroup whose traced processes all ended.
    mutating func ended(cgroup: String, t: Double, time: String) -> [AlertLine] {
        defer {
            cgroups[cgroup] = nil
            containers[cgroup] = nil
        }
        return [AlertKind.trend, .oomForecast].compactMap { kind in
            tracker.end(AlertKey(kind, .cgroup(path: cgroup)), at: t).map { event in
                var line = base(event, time: time, pid: nil, cgroup: cgroup)
                line.summary = summary(line, "has no traced process left")
                return line
            }
        }
    }

    private func base(_ event: AlertEvent, time: String, pid: Int32?, cgroup: String?) -> AlertLine {
        let (state, severity): (String, AlertSeverity) = switch event.change {
        case let .fired(s): ("firing", s)
        case let .escalated(_, to): ("escalated", to)
        case let .resolved(s): ("resolved", s)
        }
        var line = AlertLine(time: time, kind: event.key.kind.rawValue, severity: severity.rawValue, state: state,
                             activeS: max(0, event.time - event.since), summary: "")
        line.pid = pid
        line.comm = pid.flatMap { comms[$0] }
        line.cgroup = cgroup
        line.container = cgroup.flatMap { containers[$0] }
        return line
    }

    private func summary(_ line: AlertLine, _ what: String) -> String {
        let subject = line.pid.map { "pid \($0) (\(line.comm ?? "?"))" } ?? "cgroup \(line.cgroup ?? "?")"
        let top = line.sites.first.map { "; top: \(CallSite(frames: $0.frames).name)" } ?? ""
        if line.state == "resolved" { return "\(line.kind) \(line.severity) resolved: \(subject) \(what.isEmpty ? "is back to normal" : what)" }
        return "\(line.kind) \(line.severity): \(subject) \(what)\(top)"
    }

    static func key(_ site: SiteEntry) -> String {
        site.frames.map { "\($0.module)+\($0.offset)" }.joined(separator: "|")
    }

    static func rates(_ trend: Trend) -> [AlertRate] {
        trend.windows.map { AlertRate(windowS: $0.durationS, bytesPerHour: $0.ratePerHour, steadiness: $0.steadiness) }
    }

    /// Trend figures for a report: none until the shortest window is covered.
    static func reportRates(_ trend: Trend?) -> [AlertRate]? {
        trend.map(rates).flatMap { $0.isEmpty ? nil : $0 }
    }

    static func mib(_ bytes: Double) -> String { String(format: "%.1f MiB", bytes / 1_048_576) }
    static func rate(_ perHour: Double?) -> String { perHour.map { mib($0) + "/h" } ?? "an unknown rate" }
    static func duration(_ s: Double) -> String {
        let s = Int(s.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
    }
}

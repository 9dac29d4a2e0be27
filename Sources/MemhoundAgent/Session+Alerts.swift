import MemhoundAnalytics
import MemhoundOutput
import MemhoundProc

/// Alerts: each round of reports and group lines goes through the AlertEngine; its alert lines are
/// written after the round, each said on stderr too.
extension Session {
    static func alertThresholds(_ settings: AlertSettings) -> AlertThresholds {
        var t = AlertThresholds().scaled(by: settings.timescale)
        t.oomWarnWithinS = settings.oomWarningWithinS
        t.oomCriticalWithinS = settings.oomCriticalWithinS
        t.spikeMinBytes = settings.spikeMinBytes
        return t
    }

    /// Seconds on the steady clock, for the analytics.
    var alertClock: Double { Double(MonotonicClock.nowNs()) / 1e9 }

    /// The report's trend figures and the alerts of its process; the report is written after.
    func alertsFor(_ line: inout ReportLine) -> [AlertLine] {
        guard alertEngine != nil, let p = processes[line.pid] else { return [] }
        let goGC = p.countsGoGC ? (tracer.goGCCycles(pid: line.pid) ?? 0, goLimit(p)) : nil
        let result = alertEngine!.process(line, goGC: goGC.map { (cycles: $0.0, limit: $0.1) }, t: alertClock, time: line.time)
        line.trend = result.trend
        return result.alerts
    }

    /// GOMEMLIMIT, else the cgroup's limit: what a Go program's GC works against.
    private func goLimit(_ p: TracedProcess) -> UInt64? {
        proc.goMemoryLimit(pid: p.pid) ?? p.cgroup?.limit
    }

    /// A cgroup's time to OOM and trend, from its group line of this round, which then carries the
    /// trend figures.
    func alertsFor(_ g: inout GroupLine) -> [AlertLine] {
        guard alertEngine != nil else { return [] }
        let t = alertClock
        if g.processes == 0 { return alertEngine!.ended(cgroup: g.cgroup, t: t, time: g.time) }
        guard let m = g.memory else { return [] }
        let unreclaimable = m.stat.flatMap { s in s.anon.map { $0 + (s.shmem ?? 0) } } ?? m.usage ?? 0
        let events = m.events.map { e in
            MemoryEventCounts(high: e.high ?? 0, max: e.max ?? e.failcnt ?? 0, oom: e.oom ?? e.oomKill ?? 0)
        }
        let reading = MemoryReading(time: t, unreclaimableBytes: unreclaimable, usageBytes: m.usage,
                                    hardLimitBytes: m.limit, softLimitBytes: m.high ?? m.softLimit,
                                    hostAvailableBytes: m.limit == nil ? proc.memAvailable() : nil,
                                    events: events,
                                    pressureSomeAvg10: m.pressure?.some.avg10 ?? g.hostPressure?.some.avg10)
        let result = alertEngine!.cgroup(g, reading: reading, time: g.time)
        g.trend = result.trend
        return result.alerts
    }

    /// A traced process ended: its alerts resolve.
    func alertsEnded(pid: Int32) -> [AlertLine] {
        guard alertEngine != nil else { return [] }
        return alertEngine!.ended(pid: pid, t: alertClock, time: Timestamp.now())
    }

    func write(_ alerts: [AlertLine]) throws {
        for alert in alerts {
            try writeWithStacks(alert, sites: \.sites)
            publish(.alert(alert))
            Diagnostics.alert(alert.summary)
        }
    }
}

import MemhoundAgent
import MemhoundOutput
import Prometheus

/// Turns the session's lines into Prometheus series. Called on the session thread; the registry it
/// writes is read by the server's threads (the registry and its gauges and counters are thread-safe).
///
/// A traced process's series carry `pid`, `comm` and `cgroup` (when /proc named one). They stay
/// after its final report for one more report interval, so a scraper sees the final values, and are
/// then removed: the scraper marks them stale instead of showing the last values forever.
public final class MetricsObserver: SessionObserver {
    public let registry: PrometheusCollectorRegistry
    public let health: HealthState
    private let book: SeriesBook
    private var processes: [Int32: TargetState] = [:]
    /// OOM kills of traced processes so far.
    private var oomKills: UInt64 = 0
    /// Alerts fired so far, by kind and severity.
    private var alertCounts: [Labels: UInt64] = [:]
    /// Periodic reports seen (one health event each): when a finished process's series go.
    private var generation = 0

    private struct TargetState {
        var comm: String?
        var cgroup: String?
        /// The container (id) and Kubernetes pod (uid) its cgroup names: stable across restarts of memhound.
        var container: String?
        var pod: String?
        /// The labels its series were registered with.
        var labels: Labels?
        /// `generation` at its final report.
        var finalAt: Int?
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                health: HealthState = HealthState(), version: String = Session.version) {
        self.registry = registry
        self.health = health
        book = SeriesBook(registry: registry)
        book.set(.buildInfo, Labels([("version", version)]), 1)
        book.set(.up, 0)
        book.set(.healthy, 0)
        book.setTotal(.tcpLost, 0)
        book.setTotal(.oomKills, 0)
        for kind in ["trend", "spike", "oom_forecast", "gc_pressure"] {
            for severity in ["warning", "critical"] { book.setTotal(.alerts, Labels([("kind", kind), ("severity", severity)]), 0) }
        }
        for (kind, _) in LostKind.values(LostCounts()) { book.setTotal(.lost, Labels([("kind", kind)]), 0) }
    }

    public func observe(_ event: SessionEvent) {
        switch event {
        case .start(let line):
            if let target = line.target { processes[target.pid, default: TargetState()].comm = target.comm }
            health.started()
            book.set(.up, 1)
            book.set(.healthy, 1)
        case .process(let line):
            processes[line.pid, default: TargetState()].comm = line.comm
        case .rss(let line):
            // A sample that could not read the cgroup keeps the one known: the labels stay put.
            if let cgroup = line.cgroup { processes[line.pid, default: TargetState()].cgroup = cgroup }
            let labels = targetLabels(pid: line.pid)
            let kinds: [(String, UInt64)] = [("anon", line.anon), ("file", line.file), ("shmem", line.shmem), ("swap", line.swap)]
            for (kind, bytes) in kinds { book.set(.rss, labels.adding("kind", kind), Double(bytes)) }
        case .report(let line):
            record(line)
        case .lost(let lost):
            recordLost(lost)
        case .health(let h):
            health.update(h)
            book.set(.up, h.attached ? 1 : 0)
            book.set(.healthy, h.ok ? 1 : 0)
            generation += 1
            removeFinished()
        case .oomKill:
            // One series from the start (0 until a kill): the victim's own series go with it.
            oomKills += 1
            book.setTotal(.oomKills, oomKills)
        case .group(let line):
            record(line)
        case .alert(let line) where line.state != "resolved":
            let labels = Labels([("kind", line.kind), ("severity", line.severity)])
            alertCounts[labels, default: 0] += 1
            book.setTotal(.alerts, labels, alertCounts[labels]!)
        case .alert:
            break
        case .exit, .tcpRetransmit:
            // The final report before an exit carries its figures; retransmits are counted in reports.
            break
        }
    }

    private func record(_ r: ReportLine) {
        if let comm = r.comm { processes[r.pid, default: TargetState()].comm = comm }
        if let container = r.container {
            processes[r.pid, default: TargetState()].container = container.id
            processes[r.pid, default: TargetState()].pod = container.podUID
        }
        let labels = targetLabels(pid: r.pid)
        let memory: [(String, Int64, Int64)] = [
            ("anon", r.rss.anon, r.growth.anon), ("file", r.rss.file, r.growth.file),
            ("shmem", r.rss.shmem, r.growth.shmem), ("swap", r.rss.swap, r.growth.swap),
        ]
        for (kind, rss, growth) in memory {
            book.set(.rss, labels.adding("kind", kind), Double(rss))
            book.set(.growth, labels.adding("kind", kind), Double(growth))
        }
        book.set(.attributed, labels, Double(r.attributed.anon))
        book.set(.attributedUncertain, labels, Double(r.attributed.uncertain))
        for (reason, bytes) in UnattributedReason.values(r.unattributed) {
            book.set(.unattributed, labels.adding("reason", reason), Double(bytes))
        }
        for (category, bytes) in r.categories { book.set(.category, labels.adding("category", category), Double(bytes)) }
        if let cgo = r.cgoBytes { book.set(.cgo, labels, Double(cgo)) }
        recordSites(r, labels: labels)
        book.setTotal(.lostRecords, labels, r.lostRecords)
        book.setTotal(.tcpRetransmits, labels, r.tcp.retransmits)
        book.setTotal(.tcpSynackRetransmits, labels, r.tcp.synack)
        book.setTotal(.tcpFailedRetransmits, labels, r.tcp.failed)
        book.setTotal(.tcpRetransmittedSegments, labels, r.tcp.segments)
        book.setTotal(.tcpLost, r.tcp.lost)
        recordLost(r.lost)
        if r.final { processes[r.pid]?.finalAt = generation }
    }

    /// The report's sites (its top --top), by short name and module; what they do not hold of the
    /// attributed bytes is site="other", so the family sums to memhound_target_attributed_bytes.
    private func recordSites(_ r: ReportLine, labels: Labels) {
        let sites = SiteSeries.sum(r)
        var current: Set<Labels> = []
        for (site, bytes) in sites {
            let siteLabels = labels.adding("site", site.name).adding("module", site.module)
            current.insert(siteLabels)
            book.set(.siteResident, siteLabels, Double(bytes))
        }
        book.set(.foldedSites, labels, Double(r.otherSites))
        book.remove { $0.family == .siteResident && $0.labels["pid"] == labels["pid"] && !current.contains($0.labels) }
    }

    /// A cgroup's series; they go with its last line (its traced processes all ended).
    private func record(_ g: GroupLine) {
        var labels = Labels([("cgroup", g.cgroup)])
        if let container = g.container {
            labels = labels.adding("container", container.id)
            if let pod = container.podUID { labels = labels.adding("pod", pod) }
        }
        guard g.processes > 0 else {
            book.remove { $0.labels["cgroup"] == g.cgroup && $0.labels["pid"] == nil }
            return
        }
        book.set(.cgroupProcesses, labels, Double(g.processes))
        book.set(.cgroupAttributed, labels, Double(g.attributed.anon))
        book.setTotal(.cgroupExited, labels, UInt64(g.exited))
        if let usage = g.memory?.usage { book.set(.cgroupUsage, labels, Double(usage)) }
        if let limit = g.memory?.limit { book.set(.cgroupLimit, labels, Double(limit)) }
        if let kills = g.memory?.events?.oomKill { book.setTotal(.cgroupOOMKills, labels, kills) }
    }

    private func recordLost(_ lost: LostCounts) {
        for (kind, count) in LostKind.values(lost) { book.setTotal(.lost, Labels([("kind", kind)]), count) }
    }

    /// The labels of a process's series; when its comm or cgroup changed, its old series go.
    private func targetLabels(pid: Int32) -> Labels {
        var state = processes[pid, default: TargetState()]
        var labels = Labels([("pid", String(pid)), ("comm", state.comm ?? "")])
        if let cgroup = state.cgroup { labels = labels.adding("cgroup", cgroup) }
        if let container = state.container { labels = labels.adding("container", container) }
        if let pod = state.pod { labels = labels.adding("pod", pod) }
        if let old = state.labels, old != labels { removeSeries(pid: pid) }
        state.labels = labels
        processes[pid] = state
        return labels
    }

    private func removeSeries(pid: Int32) {
        let value = String(pid)
        book.remove { $0.labels["pid"] == value }
    }

    /// A process's series stay one full interval after its final report, then go.
    private func removeFinished() {
        for (pid, state) in processes {
            guard let finalAt = state.finalAt, generation >= finalAt + 2 else { continue }
            removeSeries(pid: pid)
            processes[pid] = nil
        }
    }
}

/// The `lost` object's fields as label values: the JSON names (docs/schema defs `lost_counts`).
enum LostKind {
    static func values(_ l: LostCounts) -> [(String, UInt64)] {
        [("ring_buffer", l.ringBuffer), ("stacks", l.stacks), ("sites", l.sites), ("threads", l.threads),
         ("address_spaces", l.addressSpaces), ("targets", l.targets), ("undecodable", l.undecodable),
         ("skipped_runs", l.skippedRuns), ("output_lines", l.outputLines), ("map_reads", l.mapReads)]
    }
}

/// The `unattributed` object's fields as label values (their JSON names).
enum UnattributedReason {
    static func values(_ u: Unattributed) -> [(String, UInt64)] {
        [("foreign_growth", u.foreignGrowth), ("foreign_release", u.foreignRelease),
         ("unscoped_release", u.unscopedRelease), ("preexisting_release", u.preexistingRelease),
         ("unlocated_release", u.unlocatedRelease), ("unseen_release", u.unseenRelease)]
    }
}

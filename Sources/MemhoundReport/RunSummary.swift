import MemhoundOutput

/// What a recorded run says, gathered in one pass over its lines: per process the series for the
/// timeline and its latest report; event lines are only counted.
public struct RunSummary: Sendable {
    public var start: StartLine?
    /// Main target first, then the others in the order they appeared.
    public var processes: [ProcessSummary] = []
    /// The last `lost` line (totals since tracing began, all processes).
    public var lost: LostLine?
    public var alerts: [AlertLine] = []
    public var oomKills: [OOMKillMark] = []
    /// Epoch seconds of the first and last line with a readable time.
    public var firstTime: Double?
    public var lastTime: Double?
    /// Lines read, by type (event lines included).
    public var lineCounts: [String: Int] = [:]
    /// Problems with the input that did not stop the report (a cut-short last line, skipped lines).
    public var warnings: [String] = []

    /// The pid of the main target: the start line's, else the first process seen.
    public var mainPid: Int32? { start?.target?.pid ?? processes.first?.pid }

    public func process(_ pid: Int32) -> ProcessSummary? { processes.first { $0.pid == pid } }

    /// Seconds from the run's first line to `time` (for the timeline's x axis).
    public func offset(_ time: Double) -> Double { time - (firstTime ?? time) }
}

/// One traced process.
public struct ProcessSummary: Sendable {
    public var pid: Int32
    public var comm: String?
    /// Set when the process was announced by a `fork` line.
    public var parentPid: Int32?
    public var firstTime: Double?
    public var lastTime: Double?
    public var rss: [RSSPoint] = []
    public var reports: [ReportPoint] = []
    /// The final report, else the latest periodic one.
    public var report: ReportLine?
    public var exit: ExitLine?
    /// Programs it exec'd: epoch seconds and the new comm.
    public var execs: [(time: Double, comm: String)] = []

    public init(pid: Int32) { self.pid = pid }

    /// Seconds it was traced: its report's figure, else the span of its lines.
    public var duration: Double? {
        if let report { return report.elapsedS }
        if let firstTime, let lastTime { return lastTime - firstTime }
        return nil
    }

    /// The name to show: comm, else "pid N".
    public var name: String { comm ?? "pid \(pid)" }
}

/// An `rss` sample.
public struct RSSPoint: Sendable, Equatable {
    public var time: Double
    public var anon: UInt64
    public var file: UInt64
}

/// What the timeline needs of one report.
public struct ReportPoint: Sendable, Equatable {
    public var time: Double
    /// RssAnon when the report was made, and its growth since tracing began (or since an exec).
    public var rssAnon: Int64
    public var growthAnon: Int64
    public var attributed: UInt64
    public var uncertain: UInt64
    public var categories: [String: UInt64]

    /// RssAnon when the figures of this report began: what the growth is counted from.
    public var baseline: Int64 { rssAnon - growthAnon }
}

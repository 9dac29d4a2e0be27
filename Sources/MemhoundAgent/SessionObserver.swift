import MemhoundOutput

/// What a session publishes besides its JSON lines: other outputs (metrics, profiles, a terminal
/// view) observe the same values the lines carry. Observers are called on the session's thread,
/// in the order the lines are written; one that needs the values elsewhere copies them.
public protocol SessionObserver: AnyObject {
    func observe(_ event: SessionEvent)
}

public enum SessionEvent: Sendable {
    case start(StartLine)
    /// Periodic and final reports, of every traced process.
    case report(ReportLine)
    case rss(RSSLine)
    case process(ProcessLine)
    case exit(ExitLine)
    case tcpRetransmit(TCPRetransmitLine)
    case oomKill(OOMKillLine)
    /// `watch`: a cgroup's processes together, after each round of reports.
    case group(GroupLine)
    /// An alert fired, escalated or resolved.
    case alert(AlertLine)
    /// Totals since tracing began, whenever they grow.
    case lost(LostCounts)
    /// At every periodic report, and once when tracing ends.
    case health(SessionHealth)
}

public struct SessionHealth: Sendable, Equatable {
    /// The BPF programs are attached and tracing.
    public var attached: Bool
    /// Records were lost since the last periodic report (the consumer fell behind the ring buffer).
    public var fellBehind: Bool
    /// What is wrong, when something is.
    public var reason: String?

    public init(attached: Bool, fellBehind: Bool, reason: String?) {
        self.attached = attached
        self.fellBehind = fellBehind
        self.reason = reason
    }

    public var ok: Bool { attached && !fellBehind }
}

/// What an alert is about. Raw values are the names alert lines use.
public enum AlertKind: String, CaseIterable, Sendable {
    case trend
    case spike
    case oomForecast = "oom_forecast"
    case gcPressure = "gc_pressure"
}

public enum AlertSeverity: String, Comparable, Sendable {
    case warning
    case critical

    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a == .warning && b == .critical }
}

/// Whose memory an alert is about.
public enum AlertSubject: Hashable, Sendable {
    case process(pid: Int32)
    /// A cgroup path as /proc/PID/cgroup names it.
    case cgroup(path: String)
}

/// One alert's identity: at most one alert of a kind is active per subject.
public struct AlertKey: Hashable, Sendable {
    public var kind: AlertKind
    public var subject: AlertSubject

    public init(_ kind: AlertKind, _ subject: AlertSubject) {
        self.kind = kind
        self.subject = subject
    }
}

/// A change of an alert's state, for the session to write as an alert line.
public struct AlertEvent: Equatable, Sendable {
    public enum Change: Equatable, Sendable {
        case fired(AlertSeverity)
        case escalated(from: AlertSeverity, to: AlertSeverity)
        /// The condition ended (or its subject went away); carries the severity it had.
        case resolved(AlertSeverity)
    }

    public var key: AlertKey
    public var change: Change
    public var time: Double
    /// When the alert fired (for `resolved`, how long it lasted).
    public var since: Double

    public init(key: AlertKey, change: Change, time: Double, since: Double) {
        self.key = key
        self.change = change
        self.time = time
        self.since = since
    }
}

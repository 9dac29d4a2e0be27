import MemhoundOutput

/// Keeps the last final report of each traced process (for outputs written when tracing ends,
/// such as profiles), in the order the processes first reported, and the target's executable.
public final class FinalReports: SessionObserver {
    public private(set) var executable: String?
    private var byPid: [Int32: ReportLine] = [:]
    private var order: [Int32] = []

    public init() {}

    public var reports: [ReportLine] { order.compactMap { byPid[$0] } }

    public func observe(_ event: SessionEvent) {
        switch event {
        case let .start(line):
            executable = line.target?.exe
        case let .report(report) where report.final:
            if byPid[report.pid] == nil { order.append(report.pid) }
            byPid[report.pid] = report
        default:
            break
        }
    }
}

import MemhoundEvents

/// Every traced process's ledger, fed from the ring buffer in order.
public struct Accounting: Sendable {
    public private(set) var processes: [Int32: ProcessLedger] = [:]

    public init() {}

    public mutating func track(_ tgid: Int32) {
        if processes[tgid] == nil { processes[tgid] = ProcessLedger(tgid: tgid) }
    }

    /// `incompleteStack` says whether a run's stack was cut short (see ProcessLedger.apply).
    public mutating func apply(_ record: Record, incompleteStack: (ResidentRun) -> Bool = { _ in false }) {
        switch record {
        case let .run(run):
            processes[run.tgid, default: ProcessLedger(tgid: run.tgid)]
                .apply(run, chargeRegionCreator: incompleteStack(run))
        case let .syscall(call):
            processes[call.tgid, default: ProcessLedger(tgid: call.tgid)].apply(call)
        case let .process(event):
            switch event.kind {
            case .fork: track(event.tgid)
            case .exec: processes[event.tgid]?.resetForExec()
            case .exit: processes[event.tgid]?.markExited()
            }
        default:
            break  // records that do not change an address space
        }
    }

}

import MemhoundEvents

/// Every traced process's ledger, fed from the ring buffer in order.
public struct Accounting: Sendable {
    public private(set) var processes: [Int32: ProcessLedger] = [:]

    /// One ANON increment in `sampleEvery` is located (see ProcessLedger.pageWeight).
    public let sampleEvery: UInt64

    public init(sampleEvery: UInt64 = 1) { self.sampleEvery = max(1, sampleEvery) }

    /// Forgets a process whose pid is about to be reused.
    public mutating func forget(_ tgid: Int32) {
        processes[tgid] = nil
    }

    /// Drops the counters of stacks whose memory is all gone, in every process.
    public mutating func forget(stacks: Set<StackName>) {
        for tgid in processes.keys { processes[tgid]!.forget(stacks: stacks) }
    }

    public mutating func track(_ tgid: Int32) {
        if processes[tgid] == nil { processes[tgid] = ProcessLedger(tgid: tgid, pageWeight: sampleEvery) }
    }

    /// How a run is charged: whether its stack was cut short (see ProcessLedger.apply)
    /// and what kind of memory its pages are.
    public struct RunCharge {
        public var incompleteStack: Bool
        public var category: MemoryCategory

        public init(incompleteStack: Bool = false, category: MemoryCategory = .other) {
            self.incompleteStack = incompleteStack
            self.category = category
        }
    }

    /// `regionOwner` picks the stack charged for a run inside a region (default: the region's creator).
    public mutating func apply(_ record: Record, charge: RunCharge = RunCharge(),
                               regionOwner: (PageRun, MappingOwner) -> StackName = { $1.stack }) {
        switch record {
        case let .pages(run):
            processes[run.tgid, default: ProcessLedger(tgid: run.tgid, pageWeight: sampleEvery)]
                .apply(run, chargeRegionCreator: charge.incompleteStack, category: charge.category,
                       regionOwner: { regionOwner(run, $0) })
        case let .syscall(call):
            processes[call.tgid, default: ProcessLedger(tgid: call.tgid, pageWeight: sampleEvery)].apply(call)
        case let .process(event):
            switch event.kind {
            case .fork, .join: track(event.tgid)
            // A process the watch rules took at its exec starts its ledger there.
            case .exec: if processes[event.tgid] == nil { track(event.tgid) } else { processes[event.tgid]?.resetForExec() }
            case .exit: processes[event.tgid]?.markExited(at: event.time)
            }
        default:
            break  // records that do not change an address space
        }
    }

}

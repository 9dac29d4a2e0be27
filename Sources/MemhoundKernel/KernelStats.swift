import MemhoundABI
import MemhoundEvents

/// A process and one of its user stacks: the unit growth is aggregated by.
public struct ProcessStack: Hashable, Sendable {
    public var tgid: Int32
    public var stack: StackName

    public init(tgid: Int32, stack: StackName) {
        self.tgid = tgid
        self.stack = stack
    }
}

public struct StackGrowth: Equatable, Sendable {
    public var bytes: UInt64
    public var increments: UInt64
    /// The word at the user sp at the last increment (see memhound_stack_growth).
    public var wordAtSP: UInt64
    /// Growth no release can be charged against: no fault address, or its run record was dropped.
    public var unlocated: UInt64
    /// Released by the kernel itself (a thread's open run freed by its own call).
    public var released: UInt64

    public init(bytes: UInt64, increments: UInt64, wordAtSP: UInt64 = 0, unlocated: UInt64 = 0,
                released: UInt64 = 0) {
        self.bytes = bytes
        self.increments = increments
        self.wordAtSP = wordAtSP
        self.unlocated = unlocated
        self.released = released
    }

    public static let zero = StackGrowth(bytes: 0, increments: 0)

    /// Growth less what the kernel released itself.
    public var kept: UInt64 { bytes > released ? bytes - released : 0 }

    /// Adds the growth of another piece of the same site; its leaf word, if any, is the later one.
    public mutating func add(_ other: StackGrowth) {
        bytes += other.bytes
        increments += other.increments
        unlocated += other.unlocated
        released += other.released
        if other.wordAtSP != 0 { wordAtSP = other.wordAtSP }
    }
}

/// The kernel side's counters: every `lost*` is data that was dropped.
public struct KernelStats: Equatable, Sendable {
    public var lostRingBuffer: UInt64 = 0
    public var lostStacks: UInt64 = 0
    public var lostSites: UInt64 = 0
    public var lostThreads: UInt64 = 0
    public var lostAddressSpaces: UInt64 = 0
    public var lostTargets: UInt64 = 0
    /// First changes of address spaces that existed before tracing (no base to measure from).
    public var baselineEvents: UInt64 = 0
    /// User stacks walked, and stacks proven unchanged instead of walked (bpf/chain.bpf.h).
    public var stacksWalked: UInt64 = 0
    public var stacksReused: UInt64 = 0
    /// With the reuse check on: proven stacks the walk disagreed with (expected 0).
    public var stackMismatches: UInt64 = 0
    /// Stacks whose bucket in the kernel's stack table held another stack, kept in the second table.
    public var stacksCollided: UInt64 = 0
    /// Stack copies not made because the target's copy budget was spent (those calls keep frame-pointer stacks).
    public var stackCopiesSkipped: UInt64 = 0
    /// Stacks unwound with unwind tables, and those whose walk stopped before the outermost frame.
    public var stacksUnwound: UInt64 = 0
    public var unwindsStopped: UInt64 = 0

    public init() {}

    init(_ v: [UInt64]) {
        lostRingBuffer = v[Int(MH_STAT_LOST_RINGBUF.rawValue)]
        lostStacks = v[Int(MH_STAT_LOST_STACK.rawValue)]
        lostSites = v[Int(MH_STAT_LOST_SITE.rawValue)]
        lostThreads = v[Int(MH_STAT_LOST_THREAD.rawValue)]
        lostAddressSpaces = v[Int(MH_STAT_LOST_MM.rawValue)]
        lostTargets = v[Int(MH_STAT_LOST_TARGET.rawValue)]
        baselineEvents = v[Int(MH_STAT_BASELINE.rawValue)]
        stacksWalked = v[Int(MH_STAT_STACK_WALKED.rawValue)]
        stacksReused = v[Int(MH_STAT_STACK_REUSED.rawValue)]
        stackMismatches = v[Int(MH_STAT_STACK_MISMATCH.rawValue)]
        stacksCollided = v[Int(MH_STAT_STACK_COLLIDED.rawValue)]
        stackCopiesSkipped = v[Int(MH_STAT_STACK_COPY_SKIPPED.rawValue)]
        stacksUnwound = v[Int(MH_STAT_STACK_UNWOUND.rawValue)]
        unwindsStopped = v[Int(MH_STAT_UNWIND_STOPPED.rawValue)]
    }

    public var totalLost: UInt64 {
        lostRingBuffer + lostStacks + lostSites + lostThreads + lostAddressSpaces + lostTargets
    }
}

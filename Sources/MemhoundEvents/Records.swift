import MemhoundABI

/// A memory syscall memhound traces at entry and exit.
public enum MemorySyscall: UInt32, Sendable, CaseIterable {
    case mmap = 1, munmap, mremap, brk, madvise, mprotect

    /// The name used in `--events` and in the `type` of its JSON line.
    public var name: String {
        switch self {
        case .mmap: "mmap"
        case .munmap: "munmap"
        case .mremap: "mremap"
        case .brk: "brk"
        case .madvise: "madvise"
        case .mprotect: "mprotect"
        }
    }
}

/// One traced memory syscall, as the kernel saw it return.
public struct SyscallEvent: Sendable, Equatable {
    public var syscall: MemorySyscall
    public var tgid: Int32
    public var tid: Int32
    /// CLOCK_MONOTONIC nanoseconds at entry and exit.
    public var enterTime: UInt64
    public var exitTime: UInt64
    /// The stack's id as the kernel gave it; only the Tracer reads it.
    public var kernelStack: KernelStackID
    /// The stack's session name, given by the Tracer (unknown until then).
    public var stack: StackName = .unknown
    /// The word at the user sp at entry: the caller's return address when the
    /// syscall wrapper is frameless (see memhound_stack_growth).
    public var wordAtSP: UInt64
    /// The call path's key when its stack is copied (the copy comes once per key); 0 otherwise.
    public var copyKey: UInt64 = 0
    /// Bytes of the release the kernel charged to their stack itself (included in anonDelta).
    public var kernelReleased: UInt64 = 0
    /// Taken from the overflow table (the ring buffer was full) after newer records were applied:
    /// its release must spare pages made resident after it.
    public var late = false
    /// The raw return value: an address or 0 on success, -errno on failure.
    public var result: Int64
    public var args: [UInt64]
    /// Net ANON bytes the calling thread changed during the call.
    public var anonDelta: Int64
    /// The kernel's ANON counter for the process after the call's last change.
    public var anonBytes: UInt64

    public init(syscall: MemorySyscall, tgid: Int32, tid: Int32, enterTime: UInt64, exitTime: UInt64,
                kernelStack: KernelStackID = KernelStackID(raw: -1), stack: StackName = .unknown,
                wordAtSP: UInt64 = 0, result: Int64, args: [UInt64], anonDelta: Int64, anonBytes: UInt64) {
        self.syscall = syscall
        self.tgid = tgid
        self.tid = tid
        self.enterTime = enterTime
        self.exitTime = exitTime
        self.kernelStack = kernelStack
        self.stack = stack
        self.wordAtSP = wordAtSP
        self.result = result
        self.args = args
        self.anonDelta = anonDelta
        self.anonBytes = anonBytes
    }

    public var failed: Bool { result < 0 && result > -4096 }

    /// The call's ANON change less what the kernel charged itself: what the ledger must account for.
    public var unchargedDelta: Int64 { anonDelta + Int64(kernelReleased) }
    public var errno: Int32? { failed ? Int32(-result) : nil }
}

/// Pages [start, end) one thread made resident with one user stack.
public struct PageRun: Sendable, Equatable {
    public var tgid: Int32
    public var tid: Int32
    public var start: UInt64
    public var end: UInt64
    public var firstTime: UInt64
    public var lastTime: UInt64
    /// The stack's id as the kernel gave it; only the Tracer reads it.
    public var kernelStack: KernelStackID
    /// The stack's session name, given by the Tracer (unknown until then).
    public var stack: StackName = .unknown
    public var wordAtSP: UInt64
    public var faults: UInt32
    /// The pages lie next to the thread's stack pointer: a stack grew into them.
    public var stackTouch: Bool

    public init(tgid: Int32, tid: Int32, start: UInt64, end: UInt64, firstTime: UInt64,
                lastTime: UInt64, kernelStack: KernelStackID = KernelStackID(raw: -1), stack: StackName = .unknown,
                wordAtSP: UInt64 = 0, faults: UInt32,
                stackTouch: Bool = false) {
        self.tgid = tgid
        self.tid = tid
        self.start = start
        self.end = end
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.kernelStack = kernelStack
        self.stack = stack
        self.wordAtSP = wordAtSP
        self.faults = faults
        self.stackTouch = stackTouch
    }

    public var bytes: UInt64 { end &- start }
}

/// A target process forked a followed child, exec'd, or exited.
public struct ProcessEvent: Sendable, Equatable {
    /// join: a running process entered a watched cgroup (`memhound watch`).
    public enum Kind: UInt32, Sendable { case fork = 1, exec, exit, join }

    public var kind: Kind
    public var tgid: Int32
    public var time: UInt64
    public var parentTgid: Int32
    /// exit: the wait status the kernel keeps (exit code << 8 | signal).
    public var exitStatus: Int32
    /// exit: the ANON counter at the process's last own change, before teardown.
    public var anonBytes: UInt64
    public var comm: String
    /// fork: the child's tgid in memhound's pid namespace (0: not visible there).
    public var nsTgid: Int32 = 0

    public init(kind: Kind, tgid: Int32, time: UInt64, parentTgid: Int32, exitStatus: Int32,
                anonBytes: UInt64, comm: String) {
        self.kind = kind
        self.tgid = tgid
        self.time = time
        self.parentTgid = parentTgid
        self.exitStatus = exitStatus
        self.anonBytes = anonBytes
        self.comm = comm
    }
}

/// Everything the ring buffer carries.
public enum Record: Sendable, Equatable {
    case syscall(SyscallEvent)
    case pages(PageRun)
    case process(ProcessEvent)
    case stackCopy(StackCopy)
    case tcpRetransmit(TCPRetransmit)
    case oomKill(OOMKill)

    /// When the kernel wrote it (CLOCK_MONOTONIC ns): records applied late go in this order.
    public var time: UInt64 {
        switch self {
        case let .syscall(e): e.exitTime
        case let .pages(r): r.lastTime
        case let .process(p): p.time
        case let .stackCopy(s): s.enterTime
        case let .tcpRetransmit(r): r.time
        case let .oomKill(k): k.time
        }
    }

    /// The same record, marked as taken from the overflow table after newer ones (see SyscallEvent.late).
    public var late: Record {
        guard case var .syscall(e) = self else { return self }
        e.late = true
        return .syscall(e)
    }
}

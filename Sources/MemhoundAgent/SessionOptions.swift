import MemhoundEvents
import MemhoundOutput

/// Raw event kinds that can be streamed with --events.
public enum EventKind: String, CaseIterable, Sendable {
    case mmap, munmap, mremap, brk, madvise, mprotect, rss
    /// `tcp_retransmit` lines (on unless --events names other kinds only).
    case tcp

    init(_ syscall: MemorySyscall) { self = EventKind(rawValue: syscall.name)! }
}

/// What to trace and how, once the command line is parsed.
public struct SessionOptions: Sendable {
    public var intervalSeconds: Double = 10
    public var durationSeconds: Double?
    public var top: Int = 10
    /// How report and oom_kill lines carry their sites' stacks.
    public var stackLines: StackLineMode = .inline
    public var events: Set<EventKind> = [.tcp]
    public var followChildren = true
    /// 1: attribute every ANON increment; N: one in N per thread, counted N times.
    public var sampleEvery: UInt32 = 1
    /// Walk stacks proven unchanged too, and count disagreements.
    public var checkStackReuse = false
    /// Unwind user stacks in the kernel with each file's CFI (bpf/unwind.bpf.h); false: frame pointers only.
    public var unwindWithTables = true
    /// Copy sampled fault stacks and unwind them with libdwfl too, counting disagreements (diagnosis).
    public var checkUnwind = false
    /// Stacks per kernel stack table (see Tracer+Stacks); 0: the default.
    public var stackTableEntries: UInt32 = 0
    /// The kernel-to-user ring buffer, in bytes (a power of two, a multiple of the page size).
    public var ringBufferBytes: UInt32 = 8 << 20
    /// `run`'s command as the bytes the shell passed (a path need not be UTF-8); nil: use the strings.
    public var rawCommand: [[UInt8]]?
    public var outputPath: String?
    public var verbose = false
    public var procRoot = "/"
    /// Processes traced at once (the kernel's target table); 0: its default.
    public var maxProcesses: UInt32 = 0
    /// Alerts (docs/alerts.md); nil: none.
    public var alerts: AlertSettings? = AlertSettings()

    public init() {}
}

/// How the session gets its target.
public enum TargetSpec: Sendable {
    case attach(pid: Int32)
    case command(arguments: [String])
    /// Every process of some cgroups, of memhound's pid namespace, or some pids; present and future.
    case watch(WatchSpec)

    var mode: String {
        switch self {
        case .attach: "attach"
        case .command: "run"
        case .watch: "watch"
        }
    }

    var isWatch: Bool {
        if case .watch = self { return true }
        return false
    }
}

/// The alert options; everything else is AlertThresholds' defaults.
public struct AlertSettings: Sendable, Equatable {
    /// Every time span of the methods multiplied by this (windows, warm-up, cooldowns).
    public var timescale: Double = 1
    /// oom_forecast: warning when a limit is less than this away, critical for the hard limit.
    public var oomWarningWithinS: Double = 3_600
    public var oomCriticalWithinS: Double = 600
    /// spike: the least growth in one interval that can be a spike.
    public var spikeMinBytes: Double = 16 * 1_048_576

    public init() {}
}

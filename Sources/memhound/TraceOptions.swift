import ArgumentParser
import Glibc
import MemhoundAgent
import MemhoundOutput

/// What stdout shows.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// A live view when stdout is a terminal, JSON lines otherwise.
    case auto
    case json
    /// The live view; the JSON lines go to -o FILE, or nowhere.
    case text
}

extension StackLineMode: ExpressibleByArgument {
    /// The option is optional in each command, so that each names its own default here.
    static func help(default mode: String) -> ArgumentHelp {
        ArgumentHelp(
            "inline: every site of a report carries its frames; once: each stack is written once, as a stack line, and sites refer to it by id (no line over 32 KiB with --top 20). (default: \(mode))",
            valueName: "inline|once")
    }
}

/// Options shared by `attach` and `run`.
struct TraceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds between rss samples and reports.", valueName: "seconds"))
    var interval: Double = 10

    @Option(help: ArgumentHelp("Stop after this many seconds (default: until the target exits or a signal).",
                               valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Call sites per report.", valueName: "count"))
    var top: Int = 10

    /// Optional so that each command picks its own default (attach and run: inline).
    @Option(help: StackLineMode.help(default: "inline; watch: once"))
    var stacks: StackLineMode?

    @Option(help: ArgumentHelp(
        "auto: a live view when stdout is a terminal, JSON lines otherwise; json; text: the live view (JSON lines to -o FILE).",
        valueName: "auto|json|text"))
    var format: OutputFormat = .auto

    @Option(help: ArgumentHelp(
        "Event lines to stream, comma-separated: mmap, munmap, mremap, brk, madvise, mprotect, rss, tcp, all, or none (default: tcp).",
        valueName: "kinds"))
    var events: String?

    @Option(name: [.short, .customLong("output")],
            help: ArgumentHelp("Write the JSON lines to this file instead of stdout.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp(
        "Attribute one ANON increment in N per thread and count it N times (for extreme fault rates); reports say they are sampled.",
        valueName: "N"))
    var sampleEvery: UInt32 = 1

    @Flag(help: ArgumentHelp(
        "Walk every user stack even when it is proven unchanged (frame-pointer chain or table walk), and count disagreements in reports (diagnosis; costs the saving back)."))
    var checkStackReuse = false

    @Option(help: ArgumentHelp(
        "How the kernel unwinds user stacks: 'tables' (each binary's call frame information, so code without frame pointers keeps its callers; frame pointers where a binary has none, as Go) or 'frame-pointers' (cheaper, cut at the first frame without one).",
        valueName: "tables|frame-pointers"))
    var unwind: UnwindMode = .tables

    @Flag(help: ArgumentHelp(
        "Also copy sampled fault stacks (256 a second per process at most) and unwind them in user space with libdwfl; reports count the stacks compared and those whose frames disagree with the kernel's (diagnosis)."))
    var checkUnwind = false

    @Option(help: ArgumentHelp(
        "Stacks the kernel keeps per stack table (rounded up to a power of two; two sets, recycled as they fill; 1024 to 1048576).",
        valueName: "stacks"))
    var stackTable: UInt32 = UInt32(16384)

    @Option(help: ArgumentHelp(
        "Size of the kernel's ring buffer in KiB (a power of two, 64 to 1048576); larger takes bursts without loss.",
        valueName: "KiB"))
    var ringBufferKib: UInt32 = 8192

    @OptionGroup var profiles: ProfileOptions

    @Flag(help: "Do not trace children the target forks.")
    var noFollowChildren = false

    @Flag(help: "Show libbpf's messages with errors.")
    var verbose = false

    @OptionGroup var metricsOptions: MetricsOptions

    @OptionGroup var alertOptions: AlertOptions

    func validate() throws {
        guard interval >= Self.intervalRange.lowerBound, interval <= Self.intervalRange.upperBound else {
            throw ValidationError("--interval must be between 0.1 and 31536000 seconds (a year)")
        }
        if let duration, !(duration > 0 && duration <= Self.maxDuration) {
            throw ValidationError("--duration must be more than 0 and at most 1000000000 seconds")
        }
        guard top > 0 else { throw ValidationError("--top must be at least 1") }
        guard sampleEvery >= 1, sampleEvery <= 1_000_000 else {
            throw ValidationError("--sample-every must be between 1 and 1000000")
        }
        guard stackTable >= 1024, stackTable <= 1 << 20 else {
            throw ValidationError("--stack-table must be between 1024 and 1048576")
        }
        guard ringBufferKib >= 64, ringBufferKib <= 1 << 20, ringBufferKib & (ringBufferKib - 1) == 0 else {
            throw ValidationError("--ring-buffer-kib must be a power of two from 64 to 1048576")
        }
        _ = try eventKinds()
        if let output, output == profiles.pprof || output == profiles.folded {
            throw ValidationError("-o/--output and the profile files must be different files")
        }
    }

    static let intervalRange = 0.1...31_536_000.0
    static let maxDuration = 1e9

    func eventKinds() throws -> Set<EventKind> {
        guard let events else { return [.tcp] }
        var kinds: Set<EventKind> = []
        let names = events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty, !names.contains("") else {
            throw ValidationError("--events needs at least one kind (mmap, munmap, mremap, brk, madvise, mprotect, rss, tcp, all, or none)")
        }
        for name in names {
            if name == "all" { kinds.formUnion(EventKind.allCases); continue }
            if name == "none" { continue }
            guard let kind = EventKind(rawValue: name) else {
                throw ValidationError("unknown event kind '\(name)' for --events (known: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")), all)")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    /// Whether stdout shows the live view instead of JSON lines.
    var showsLiveView: Bool {
        switch format {
        case .json: false
        case .text: true
        case .auto: isatty(STDOUT_FILENO) == 1
        }
    }

    /// Observers for the chosen outputs.
    func observers() -> [any SessionObserver] {
        showsLiveView ? [TerminalView(top: top, linesPath: output, clearsScreen: isatty(STDOUT_FILENO) == 1)] : []
    }

    func sessionOptions() throws -> SessionOptions {
        var o = SessionOptions()
        o.intervalSeconds = interval
        o.durationSeconds = duration
        o.top = top
        o.stackLines = stacks ?? .inline
        o.events = try eventKinds()
        o.outputPath = output
        o.followChildren = !noFollowChildren
        o.sampleEvery = sampleEvery
        o.checkStackReuse = checkStackReuse
        o.unwindWithTables = unwind == .tables
        o.checkUnwind = checkUnwind
        o.stackTableEntries = stackTable
        o.ringBufferBytes = ringBufferKib * 1024
        o.verbose = verbose
        o.alerts = alertOptions.settings
        return o
    }
}

enum UnwindMode: String, ExpressibleByArgument, CaseIterable {
    case tables
    case framePointers = "frame-pointers"
}

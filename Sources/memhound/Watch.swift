import ArgumentParser
import Glibc
import MemhoundAgent

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace every process of cgroups, of memhound's pid namespace, or some pids, present and future, until SIGTERM.",
        discussion: """
            For a sidecar or node agent running for days. A process that starts in a watched cgroup (or its descendants), forks from a watched process, or is moved into a watched cgroup is traced from that moment; one that exits gets its final report and leaves nothing behind. Every interval: a report per process and a `group` line per cgroup with its own memory figures. SIGTERM or SIGINT: final reports for every live process. memhound never traces itself.

            Examples:
              memhound watch --cgroup /sys/fs/cgroup/memory/kubepods --interval 60
              memhound watch --all --metrics 0.0.0.0:9464      (a pod with shareProcessNamespace)
              memhound watch --pid 1234 --pid 5678 -o watch.jsonl
            """)

    @Option(name: .customLong("cgroup"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A cgroup directory (v2, or v1's memory hierarchy): its processes and its descendants'. Repeatable.",
                               valueName: "dir"))
    var cgroups: [String] = []

    @Flag(help: "Every process memhound's pid namespace shows (a Kubernetes sidecar with shareProcessNamespace).")
    var all = false

    @Option(name: [.short, .customLong("pid")], parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A process to trace, with the children it forks. Repeatable.", valueName: "pid"))
    var pids: [Int32] = []

    @Option(help: ArgumentHelp("Processes traced at once (1024 to 8192); past it new ones are counted in lost.targets.",
                               valueName: "count"))
    var maxProcesses: UInt32 = 1024

    @Flag(help: "Check the command line, print what would be watched, and exit without tracing.")
    var dryRun = false

    @OptionGroup var trace: TraceOptions

    func validate() throws {
        guard !cgroups.isEmpty || all || !pids.isEmpty else {
            throw ValidationError("say what to watch: --cgroup DIR, --all, or --pid PID")
        }
        if let bad = pids.first(where: { $0 <= 0 }) { throw ValidationError("--pid \(bad) is not a positive process id") }
        if pids.contains(getpid()) { throw ValidationError("--pid \(getpid()) is memhound itself: it cannot trace its own process") }
        if let bad = cgroups.first(where: { !$0.hasPrefix("/") }) {
            throw ValidationError("--cgroup \(bad) must be an absolute directory, e.g. /sys/fs/cgroup/memory/\(bad)")
        }
        guard maxProcesses >= 1024, maxProcesses <= 8192 else {
            throw ValidationError("--max-processes must be between 1024 and 8192")
        }
    }

    func run() throws {
        var options = try trace.sessionOptions()
        options.maxProcesses = maxProcesses
        // Log pipelines cut long lines: stacks travel once unless asked otherwise.
        options.stackLines = trace.stacks ?? .once
        let spec = WatchSpec(cgroups: cgroups, all: all, pids: pids)
        if dryRun {
            var what = cgroups.map { "cgroup \($0)" }
            if all { what.append("every process of memhound's pid namespace") }
            what += pids.map { "pid \($0)" }
            print("memhound watch would trace \(what.joined(separator: ", ")), reporting every \(trace.interval) s")
            return
        }
        let code = try Trace.run(.watch(spec), options: options, verbose: trace.verbose,
                                 liveView: trace.showsLiveView, observers: trace.observers(),
                                 metrics: trace.metricsOptions.endpoint(), profiles: trace.profiles.files)
        if code != 0 { throw ExitStatus(value: code) }
    }
}

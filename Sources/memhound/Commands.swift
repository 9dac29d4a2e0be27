import ArgumentParser
import CMemhoundProcess
import Foundation
import MemhoundAgent
import MemhoundMetrics
import MemhoundOutput
import MemhoundProfiles

struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace a running process until it exits, --duration passes, or SIGINT/SIGTERM.",
        discussion: """
            Growth is counted from the moment memhound attaches; the final report comes when the process exits, --duration passes, or memhound gets SIGINT, SIGTERM or SIGHUP. At a terminal stdout shows a live view, otherwise JSON lines.

            Examples:
              memhound attach -p 1234
              memhound attach -p 1234 --duration 600 -o leak.jsonl
              memhound attach -p 1234 --interval 60 --format json | tee leak.jsonl
            """)

    // Unconditional: `--pid -5` is a bad pid, not a missing value.
    @Option(name: [.short, .long], parsing: .unconditional,
            help: ArgumentHelp("The process to trace.", valueName: "pid"))
    var pid: Int32

    @OptionGroup var trace: TraceOptions

    func validate() throws {
        guard pid > 0 else { throw ValidationError("--pid must be a positive process id") }
        guard pid != getpid() else { throw ValidationError("--pid \(pid) is memhound itself: it cannot trace its own process") }
    }

    func run() throws {
        let code = try Trace.run(.attach(pid: pid), options: trace.sessionOptions(), verbose: trace.verbose,
                                 liveView: trace.showsLiveView, observers: trace.observers(),
                                 metrics: trace.metricsOptions.endpoint(), profiles: trace.profiles.files)
        if code != 0 { throw ExitStatus(value: code) }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a command traced from its first instruction; exit with its status.",
        discussion: """
            The command's stdout and stderr go to memhound's stderr, so stdout carries only memhound's output (the live view or JSON lines). memhound exits with the command's status.

            Examples:
              memhound run -- ./server --port 8080
              memhound run --interval 5 -o server.jsonl -- ./server
              memhound run --events mmap,munmap -- python3 app.py | jq .
            """)

    @OptionGroup var trace: TraceOptions

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command to run after --, e.g. memhound run -- ./server") }
    }

    func run() throws {
        var options = try trace.sessionOptions()
        options.rawCommand = Self.rawCommand(count: command.count)
        let code = try Trace.run(.command(arguments: command), options: options, verbose: trace.verbose,
                                 liveView: trace.showsLiveView, observers: trace.observers(),
                                 metrics: trace.metricsOptions.endpoint(), profiles: trace.profiles.files)
        if code != 0 { throw ExitStatus(value: code) }
    }

    /// The command as the bytes of argv after `--`: the parsed strings repair bytes that are not
    /// UTF-8, and a path with such bytes must still be found.
    static func rawCommand(count: Int) -> [[UInt8]]? {
        let argv = (0..<Int(CommandLine.argc)).map { i in
            CommandLine.unsafeArgv[i].map { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlen($0))) } ?? []
        }
        guard let terminator = argv.firstIndex(of: Array("--".utf8)), argv.count - terminator - 1 == count else { return nil }
        return Array(argv[(terminator + 1)...])
    }
}

/// Shared by attach, run and demo: open output, listen for metrics, trace, write profiles, map failures
/// to exit codes.
enum Trace {
    @discardableResult
    static func run(_ target: TargetSpec, options: SessionOptions, verbose: Bool,
                    liveView: Bool = false, observers: [any SessionObserver] = [], metrics: MetricsEndpoint? = nil,
                    profiles: ProfileFiles = ProfileFiles(),
                    finished: (Session) -> Void = { _ in }) throws -> Int32 {
        memhound_signals_install()
        let writer: LineWriter
        if liveView && options.outputPath == nil {
            // stdout shows the view; the lines were not asked for (-o keeps them).
            do { writer = try LineWriter(path: "/dev/null") } catch {
                throw AgentError(.output, "cannot open /dev/null: \(error.localizedDescription)")
            }
        } else if let path = options.outputPath {
            do { writer = try LineWriter(path: path) } catch {
                throw AgentError(.output, "cannot write \(path): \(error.localizedDescription)")
            }
        } else {
            do { writer = try LineWriter() } catch let error as OutputFailed {
                throw AgentError(error)
            }
        }
        // Bound before tracing starts: a port in use ends the run before anything is loaded.
        let exporter = try metrics.map { endpoint throws(AgentError) in try MetricsExporter(endpoint: endpoint) }
        defer { exporter?.shutdown() }
        let finals = FinalReports()
        let session: Session
        let code: Int32
        do {
            session = try Session(options: options, target: target, writer: writer)
            session.observers = observers + (exporter.map { [$0.observer] } ?? []) + (profiles.isEmpty ? [] : [finals])
            code = try session.trace()
        } catch {
            Memhound.fail(error, verbose: verbose)
        }
        finished(session)
        // After the JSON lines are out: a profile that cannot be written costs nothing else.
        let failures = profiles.write(finals.reports, mainExecutable: finals.executable)
        if !failures.isEmpty { throw AgentError(.output, failures.joined(separator: "; ")) }
        return code
    }
}

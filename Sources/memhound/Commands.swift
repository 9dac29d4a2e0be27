import ArgumentParser
import CMemhoundProcess
import Foundation
import MemhoundAgent
import MemhoundOutput
import MemhoundProfiles

struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace a running process until it exits, --duration passes, or SIGINT/SIGTERM.")

    // Unconditional: `--pid -5` is a bad pid, not a missing value.
    @Option(parsing: .unconditional, help: "The process to trace.")
    var pid: Int32

    @OptionGroup var trace: TraceOptions

    func validate() throws {
        guard pid > 0 else { throw ValidationError("--pid must be a positive process id") }
        guard pid != getpid() else { throw ValidationError("--pid \(pid) is memhound itself: it cannot trace its own process") }
    }

    func run() throws {
        let code = try Trace.run(.attach(pid: pid), options: trace.sessionOptions(), verbose: trace.verbose,
                                 profiles: trace.profiles.files)
        if code != 0 { throw ExitStatus(value: code) }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a command traced from its first instruction; exit with its status.",
        discussion: "The command's stdout and stderr go to memhound's stderr, so stdout carries only JSON.")

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
                                 profiles: trace.profiles.files)
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

/// Shared by attach, run and demo: open output, trace, write profiles, map failures to exit codes.
enum Trace {
    @discardableResult
    static func run(_ target: TargetSpec, options: SessionOptions, verbose: Bool,
                    profiles: ProfileFiles = ProfileFiles(), observers: [any SessionObserver] = [],
                    finished: (Session) -> Void = { _ in }) throws -> Int32 {
        memhound_signals_install()
        let writer: LineWriter
        if let path = options.outputPath {
            do { writer = try LineWriter(path: path) } catch {
                throw AgentError(.output, "cannot write \(path): \(error.localizedDescription)")
            }
        } else {
            do { writer = try LineWriter() } catch let error as OutputFailed {
                throw AgentError(error)
            }
        }
        let finals = FinalReports()
        let session: Session
        let code: Int32
        do {
            session = try Session(options: options, target: target, writer: writer)
            session.observers = observers + (profiles.isEmpty ? [] : [finals])
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

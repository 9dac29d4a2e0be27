import ArgumentParser
import Foundation
import MemhoundOutput
import MemhoundAgent

@main
struct Memhound: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memhound",
        abstract: "Find the code that grows a process's anonymous memory (RSS), with eBPF.",
        discussion: """
            At a terminal, attach and run show a live view; otherwise (or with --format json) they stream JSON lines to stdout (or -o FILE); diagnostics go to stderr.

            Examples:
              memhound run -- ./server     trace a program from its first instruction
              memhound attach -p 1234      trace a running process
              memhound watch --cgroup DIR  every process of a cgroup, present and future
              memhound demo                a built-in leaking workload

            Shell completions: memhound --generate-completion-script bash|zsh|fish

            Exit codes: 3 no such process, 4 target exited while attaching, 5 kernel thread, 6 missing privileges, 7 kernel lacks support, 8 BPF failure, 9 output error, 10 not a cgroup memhound can watch, 64 bad usage; `run` exits with its command's status (126/127 when it cannot start).
            """,
        version: Session.version,
        subcommands: [Attach.self, Run.self, Watch.self, Demo.self, Check.self, Report.self, DemoWorkload.self]
    )

    /// Parses, runs, and turns every failure into one line on stderr and its exit code.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as AgentError {
            fail(error)
        } catch let code as ExitStatus {
            Foundation.exit(code.value)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("memhound: \(TerminalText.printable(message(for: error))) (see memhound --help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
        Foundation.exit(0)
    }

    static func fail(_ error: AgentError, verbose: Bool = false) -> Never {
        var text = "memhound: \(TerminalText.printable(error.message))\n"
        if verbose, !error.detail.isEmpty { text += error.detail }
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(error.code.rawValue)
    }
}

/// Ends the process with a status after the command ran (e.g. `run`'s command status).
struct ExitStatus: Error {
    var value: Int32
}

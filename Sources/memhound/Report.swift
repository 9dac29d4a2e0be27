import ArgumentParser
import Foundation
import MemhoundOutput
import MemhoundReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a recorded run (memhound's JSON lines) in the terminal, and optionally as an HTML page.",
        discussion: "Per process: growth, what explains it, the top call sites, categories, losses, TCP retransmits "
            + "and how it ended. Exit codes: 3 --pid not in the file, 9 the HTML file cannot be written, "
            + "65 the input is not memhound output, 66 the input cannot be read, 64 bad usage.")

    @Argument(help: ArgumentHelp("The recorded run (memhound attach/run -o FILE), or - for stdin.", valueName: "file"))
    var file: String

    @Option(help: "Only this process.")
    var pid: Int32?

    @Option(help: "Call sites shown per process.")
    var top: Int = 10

    @Option(help: ArgumentHelp("Also write a self-contained HTML page (timeline, sites, flame graph) to this file.",
                               valueName: "out.html"))
    var html: String?

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be at least 1") }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
    }

    func run() throws {
        do {
            let summary = try RunReader.read(path: file)
            let source = file == "-" ? "stdin" : file
            for warning in summary.warnings { warn("warning: \(warning)") }
            if let pid, summary.process(pid) == nil {
                let known = summary.processes.map { String($0.pid) }.joined(separator: ", ")
                throw ReportFailure(.noSuchProcess, "no process \(pid) in \(source) (it has: \(known))")
            }
            if let html {
                try HTMLReport(summary: summary, source: source, top: top, pid: pid).write(to: html)
            }
            print(TextReport(summary: summary, source: source, top: top, pid: pid).render(), terminator: "")
        } catch let failure as ReportFailure {
            warn(failure.message)
            throw ExitStatus(value: failure.exitCode)
        }
    }

    private func warn(_ text: String) {
        FileHandle.standardError.write(Data("memhound: \(TerminalText.printable(text))\n".utf8))
    }
}

import Foundation
import MemhoundOutput

/// Reads a recorded run (memhound's JSON lines) into a RunSummary, streaming. Only the line types the
/// report shows are decoded; event lines (syscalls, rss_growth, tcp_retransmit) are recognised by
/// their `type` alone and counted.
public struct RunReader {
    /// How the input is named in messages ("FILE" or "stdin").
    public let name: String
    var summary = RunSummary()
    var order: [Int32: Int] = [:]
    /// Frames of the `stack` lines read (--stacks once), by id: the latest definition of each.
    var stacks: [StackLineID: [Frame]] = [:]
    /// Sites that referred to a stack no earlier line defined.
    var undefinedStacks = 0
    private var lineNumber = 0
    private var skipped = 0
    private var firstSkipped = 0
    private let decoder = JSONDecoder()

    public init(name: String) { self.name = name }

    /// Reads the file at `path`, or stdin for "-".
    public static func read(path: String) throws -> RunSummary {
        if path == "-" { return try read(fd: STDIN_FILENO, name: "stdin") }
        var info = stat()
        guard stat(path, &info) == 0 else { throw ReportFailure(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw ReportFailure(.unreadable, "\(path) is a directory, not a recorded run") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReportFailure(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try read(fd: fd, name: path)
    }

    public static func read(fd: Int32, name: String) throws -> RunSummary { try read(fd: fd, name: name, chunk: 1 << 20) }

    static func read(fd: Int32, name: String, chunk: Int) throws -> RunSummary {
        var reader = RunReader(name: name)
        var source = LineSource(fd: fd, chunk: chunk)
        try source.forEach { line, terminated in try reader.take(line, terminated: terminated) }
        return try reader.finish()
    }

    /// Reads lines held in memory (tests).
    public static func read(text: String, name: String = "input") throws -> RunSummary {
        var reader = RunReader(name: name)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let terminated = lines.last == ""
        if terminated { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            try bytes.withUnsafeMutableBytes {
                try reader.take(UnsafeRawBufferPointer($0), terminated: terminated || i < lines.count - 1)
            }
        }
        return try reader.finish()
    }

    mutating func take(_ line: UnsafeRawBufferPointer, terminated: Bool) throws {
        lineNumber += 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        if summary.lineCounts.isEmpty { try checkFirst(line) }
        guard let type = lineType(line) else { return skip(terminated) }
        do {
            switch type {
            case "stack":
                // Not counted in lineCounts: it is how sites' frames travel, not something the run says.
                stack(try decode(StackLine.self, line))
                return
            case "start": try start(decode(StartLine.self, line))
            case "rss": rss(try decode(RSSLine.self, line))
            case "report": report(try decode(ReportLine.self, line))
            case "exit": exit(try decode(ExitLine.self, line))
            case "fork", "exec": process(try decode(ProcessLine.self, line))
            case "lost": lost(try decode(LostLine.self, line))
            case "alert":
                let alert = try decode(AlertLine.self, line)
                noteTime(alert.time)
                summary.alerts.append(alert)
            case "oom_kill":
                let kill = try decode(OOMKillMark.self, line)
                noteTime(kill.time)
                summary.oomKills.append(kill)
            default: break  // event lines: counted only
            }
            summary.lineCounts[String(type), default: 0] += 1
        } catch {
            skip(terminated)
        }
    }

    /// The first line decides whether this is memhound output at all.
    private func checkFirst(_ line: UnsafeRawBufferPointer) throws {
        let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        guard let object, let schema = object["schema"] as? Int, object["type"] is String, object["time"] is String else {
            throw ReportFailure(.notMemhoundOutput,
                "\(name) is not memhound output: its first line is not a JSON line with schema, type and time")
        }
        guard schema == OutputSchema.version else {
            throw ReportFailure(.notMemhoundOutput,
                "\(name) was written with output schema \(schema); this memhound reads schema \(OutputSchema.version)")
        }
    }

    private mutating func skip(_ terminated: Bool) {
        if !terminated {
            summary.warnings.append("\(name): the last line is cut short (was the run killed while writing?); it was ignored")
            return
        }
        skipped += 1
        if firstSkipped == 0 { firstSkipped = lineNumber }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ line: UnsafeRawBufferPointer) throws -> T {
        try decoder.decode(type, from: Data(line))
    }

    mutating func finish() throws -> RunSummary {
        guard !summary.lineCounts.isEmpty else { throw ReportFailure(.notMemhoundOutput, "\(name) is empty: no memhound lines to summarise") }
        if undefinedStacks > 0 {
            summary.warnings.append("\(name): \(undefinedStacks) site\(undefinedStacks == 1 ? "" : "s") referred to a stack no earlier stack line defined; they are shown without frames")
        }
        if skipped > 0 {
            summary.warnings.append("\(name): \(skipped) line\(skipped == 1 ? "" : "s") could not be read and were skipped (first: line \(firstSkipped))")
        }
        guard summary.start != nil || !summary.processes.isEmpty else {
            let types = summary.lineCounts.keys.sorted().joined(separator: ", ")
            throw ReportFailure(.notMemhoundOutput, "\(name) holds no traced run (no start, rss or report line; it has: \(types))")
        }
        if let main = summary.mainPid, let i = summary.processes.firstIndex(where: { $0.pid == main }), i > 0 {
            summary.processes.insert(summary.processes.remove(at: i), at: 0)
        }
        return summary
    }
}

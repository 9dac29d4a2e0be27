// Black-box harness: runs the real memhound binary and fixture programs with bounded waits, captures stdout
// and stderr separately, and decodes memhound's JSON lines. Only processes started here are ever signalled.
import Foundation
import XCTest

/// Drains one pipe on its own thread so a chatty child never blocks on a full pipe.
final class OutputCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = Data()
    private var finished = false
    private let handle: FileHandle

    /// With `closeAfterFirstLine`, the read end is closed once a full line arrived (a reader that goes away).
    init(_ handle: FileHandle, closeAfterFirstLine: Bool = false) {
        self.handle = handle
        let thread = Thread { [self] in drain(closeAfterFirstLine: closeAfterFirstLine) }
        thread.start()
    }

    private func drain(closeAfterFirstLine: Bool) {
        let fd = handle.fileDescriptor
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            condition.lock()
            buffer.append(contentsOf: chunk[0..<n])
            let lineComplete = buffer.contains(UInt8(ascii: "\n"))
            condition.broadcast()
            condition.unlock()
            if closeAfterFirstLine && lineComplete { break }
        }
        try? handle.close()
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    var text: String {
        condition.lock(); defer { condition.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Waits until the output contains `needle`; false on timeout or end of output without it.
    func wait(for needle: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while !String(decoding: buffer, as: UTF8.self).contains(needle) {
            if finished || !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// Waits (bounded) for the end of the output.
    @discardableResult
    func waitForEnd(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while !finished { if !condition.wait(until: deadline) { return false } }
        return true
    }
}

/// How a process ended, with what it printed.
struct Outcome {
    var status: Int32
    var signaled: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Every stdout line decoded as a JSON object, as written (sites of --stacks once keep their `stack` ids).
    var rawLines: [[String: Any]] {
        stdout.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            return (object as? [String: Any]) ?? ["undecodable": String(line)]
        }
    }

    /// Every stdout line decoded as a JSON object; a line that is not one becomes ["undecodable": line].
    /// Sites that refer to a `stack` line (--stacks once) get that line's frames, as a reader rebuilds them.
    var lines: [[String: Any]] {
        var stacks: [Int: Any] = [:]
        return stdout.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            guard var decoded = object as? [String: Any] else { return ["undecodable": String(line)] }
            if decoded["type"] as? String == "stack", let id = decoded["id"] as? Int { stacks[id] = decoded["frames"] }
            if let sites = decoded["sites"] as? [[String: Any]] {
                decoded["sites"] = sites.map { site in
                    guard let id = site["stack"] as? Int, let frames = stacks[id] else { return site }
                    var resolved = site
                    resolved["frames"] = frames
                    return resolved
                }
            }
            return decoded
        }
    }

    /// For failure messages: status and the tail of both streams.
    var summary: String {
        "status \(status)\(signaled ? " (signal)" : "")\(timedOut ? " TIMED OUT" : "")\n"
            + "stderr:\n\(stderr.suffix(3000))\nstdout (\(stdout.count) chars):\n\(stdout.suffix(6000))"
    }
}

/// A started process whose output is being collected.
final class Spawned {
    let process = Process()
    let out: OutputCollector
    let err: OutputCollector
    private let input = Pipe()

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
         closeStdoutAfterFirstLine: Bool = false) throws {
        let outPipe = Pipe(), errPipe = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        out = OutputCollector(outPipe.fileHandleForReading, closeAfterFirstLine: closeStdoutAfterFirstLine)
        err = OutputCollector(errPipe.fileHandleForReading)
    }

    var pid: Int32 { process.processIdentifier }

    func writeStdin(_ text: String) { try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8)) }

    func signal(_ sig: Int32) { if process.isRunning { kill(pid, sig) } }

    /// Waits up to `timeout` for the exit; past it the process is killed (by its pid) and the outcome says so.
    func finish(timeout: TimeInterval) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            timedOut = true
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        // A grandchild may still hold the pipes: bounded wait for their end.
        out.waitForEnd(timeout: 5)
        err.waitForEnd(timeout: 5)
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       timedOut: timedOut, stdout: out.text, stderr: err.text)
    }
}

enum Memhound {
    /// MEMHOUND_BIN, else the memhound built next to the test bundle.
    static let binary: String? = {
        let env = ProcessInfo.processInfo.environment
        if let path = env["MEMHOUND_BIN"], !path.isEmpty { return path }
        var dirs: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        dirs.append(Bundle.main.bundleURL)
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        return dirs.map { $0.appendingPathComponent("memhound").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func path() throws -> String {
        guard let binary else {
            let reason = "memhound binary not found: set MEMHOUND_BIN or run `swift build` first"
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw FixtureError(message: reason) }
            throw XCTSkip(reason)
        }
        return binary
    }

    static func start(_ arguments: [String], closeStdoutAfterFirstLine: Bool = false) throws -> Spawned {
        try Spawned(path(), arguments, closeStdoutAfterFirstLine: closeStdoutAfterFirstLine)
    }

    /// Runs memhound to completion (killed after `timeout`).
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Outcome {
        try start(arguments).finish(timeout: timeout)
    }
}

struct PrivilegeMissing: Error { var reason: String }

/// The outcome of `memhound check`, computed once per test run.
private final class CheckCache: @unchecked Sendable {
    static let shared = CheckCache()
    private let lock = NSLock()
    private var result: String??

    /// nil when memhound check passed; otherwise the reason.
    func failure() throws -> String? {
        lock.lock(); defer { lock.unlock() }
        if let result { return result }
        let outcome = try Memhound.run(["check"], timeout: 60)
        let line = outcome.lines.first { $0["type"] as? String == "check" }
        var reason: String? = nil
        if outcome.status != 0 || line?["ok"] as? Bool != true {
            let failed = (line?["checks"] as? [[String: Any]] ?? []).filter { $0["ok"] as? Bool != true }
                .map { "\($0["name"] ?? "?"): \($0["detail"] ?? "")" }
            reason = "memhound check exited \(outcome.status): " + (failed.isEmpty ? outcome.stderr : failed.joined(separator: "; "))
        }
        result = .some(reason)
        return reason
    }
}

extension XCTestCase {
    /// Every privileged test calls this first: skips (fails under CI=true) when BPF cannot load here.
    func requirePrivileges() throws {
        if let reason = try CheckCache.shared.failure() {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("BPF cannot load: \(reason)")
                throw PrivilegeMissing(reason: reason)
            }
            throw XCTSkip("privileged test needs BPF: \(reason)")
        }
        let testName = name.replacingOccurrences(of: "-[", with: "").replacingOccurrences(of: "]", with: "")
            .replacingOccurrences(of: " ", with: ".")
        FileHandle.standardOutput.write(Data("privileged test ran: \(testName)\n".utf8))
    }

    /// Asserts the one-line error contract: exit `code`, one stderr line "memhound: ...", no crash output.
    func assertCleanError(_ outcome: Outcome, code: Int32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(outcome.timedOut, outcome.summary, file: file, line: line)
        XCTAssertFalse(outcome.signaled, outcome.summary, file: file, line: line)
        XCTAssertEqual(outcome.status, code, outcome.summary, file: file, line: line)
        XCTAssertEqual(outcome.stderrLines.count, 1, "stderr must be one line:\n\(outcome.stderr)", file: file, line: line)
        XCTAssertTrue(outcome.stderr.hasPrefix("memhound: "), "stderr: \(outcome.stderr)", file: file, line: line)
        for crash in ["Fatal error", "Stack dump", "Current stack trace", "Illegal instruction", "backtrace"] {
            XCTAssertFalse(outcome.stderr.contains(crash), "stderr shows a crash: \(outcome.stderr)", file: file, line: line)
        }
    }
}

extension XCTestCase {
    /// Validates every stdout line against docs/schema with scripts/validate-lines.
    func assertMatchesSchema(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-lines-\(getpid())-\(UUID()).jsonl")
        try outcome.stdout.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = repo.appendingPathComponent("scripts/validate-lines")
        process.arguments = [input.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "lines that do not match docs/schema:\n\(text.prefix(4000))",
                       file: file, line: line)
    }
}

// What a person at a terminal sees: the live view, help with examples, completions.
import Foundation
import XCTest

final class TerminalTests: XCTestCase {
    /// memhound with its stdout on a pseudo-terminal (util-linux `script`), as at a shell prompt.
    func atTerminal(_ arguments: [String], timeout: TimeInterval = 60) throws -> Outcome {
        let command = ([try Memhound.path()] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try Spawned("/usr/bin/script", ["-qec", command, "/dev/null"]).finish(timeout: timeout)
    }

    func testAtATerminalRunShowsTheLiveViewAndKeepsLinesInTheOutputFile() throws {
        try requirePrivileges()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-view-\(getpid()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try atTerminal(["run", "--interval", "1", "-o", file.path, "--", try fixture(.leaker),
                                      "--steps", "6", "--step-mib", "4", "--step-ms", "300"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let screen = outcome.stdout.replacingOccurrences(of: "\r", with: "")
        XCTAssertFalse(screen.contains("{\""), "no JSON on the terminal:\n\(screen)")
        XCTAssertTrue(screen.contains("\u{1B}[2J"), "the view is redrawn in place")
        let final = try XCTUnwrap(screen.components(separatedBy: "\u{1B}[2J\u{1B}[H").last, screen)
        XCTAssertTrue(final.contains("final "), final)
        XCTAssertTrue(final.contains("explained 1.0") || final.contains("explained 0.9"), final)
        let leak = try XCTUnwrap(final.split(separator: "\n").first { $0.contains("grow_cache") }, final)
        XCTAssertTrue(leak.hasPrefix("24.0 MiB") || leak.hasPrefix("23.") || leak.hasPrefix("24."), "6 x 4 MiB: \(leak)")
        XCTAssertTrue(final.contains("target exited with status 0"), final)
        XCTAssertTrue(final.contains("JSON lines: \(file.path)"), final)
        // The lines went to the file, complete.
        let lines = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(lines.contains("\"final\":true"), lines.prefix(500).description)
        try assertMatchesSchema(Outcome(status: 0, signaled: false, timedOut: false, stdout: lines, stderr: ""))
    }

    func testFormatJsonAtATerminalPrintsLines() throws {
        try requirePrivileges()
        let outcome = try atTerminal(["run", "--format", "json", "--interval", "1", "--", try fixture(.leaker),
                                      "--steps", "2", "--step-mib", "1"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let lines = outcome.stdout.replacingOccurrences(of: "\r", with: "")
        XCTAssertTrue(lines.contains("\"type\":\"report\""), lines)
        XCTAssertFalse(lines.contains("\u{1B}[2J"), lines)
    }

    func testHelpShowsExamplesUnitsAndTheShortPidOption() throws {
        let attach = try Memhound.run(["attach", "--help"])
        XCTAssertEqual(attach.status, 0, attach.summary)
        for text in ["Examples:", "memhound attach -p 1234", "-p, --pid <pid>", "--interval <seconds>",
                     "--duration <seconds>", "--ring-buffer-kib <KiB>", "-o, --output <file>", "--format <auto|json|text>"] {
            XCTAssertTrue(attach.stdout.contains(text), "attach --help lacks \(text):\n\(attach.stdout)")
        }
        for command in ["run", "demo", "check"] {
            let help = try Memhound.run([command, "--help"])
            XCTAssertEqual(help.status, 0, help.summary)
            XCTAssertTrue(help.stdout.contains("Example"), "\(command) --help has no example:\n\(help.stdout)")
        }
        // -p is --pid: a bad value is refused the same way.
        assertCleanError(try Memhound.run(["attach", "-p", "-5"]), code: 64)
    }

    func testShellCompletionsNameTheCommandsAndOptions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let outcome = try Memhound.run(["--generate-completion-script", shell])
            XCTAssertEqual(outcome.status, 0, outcome.summary)
            for word in ["attach", "run", "demo", "check", "ring-buffer-kib"] {
                XCTAssertTrue(outcome.stdout.contains(word), "\(shell) completion lacks \(word)")
            }
        }
        // The bash script is valid bash.
        let script = try Memhound.run(["--generate-completion-script", "bash"]).stdout
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-completion-\(getpid()).bash")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try Spawned("/bin/bash", ["-n", file.path]).finish(timeout: 30)
        XCTAssertEqual(check.status, 0, check.summary)
    }
}

extension TerminalTests {
    /// docs/man/memhound.1 (scripts/install --man-only) is current: every option the commands'
    /// --help lists is in it, and groff renders it.
    func testManPageIsCurrentAndRenders() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let page = repo.appendingPathComponent("docs/man/memhound.1")
        let text = try String(contentsOf: page, encoding: .utf8)
        let optionPattern = try NSRegularExpression(pattern: "--[a-z][a-z0-9-]+")
        for command in ["attach", "run", "demo", "check"] {
            let full = try Memhound.run([command, "--help"]).stdout
            // The options section only: examples name the traced programs' options too.
            let help = full.components(separatedBy: "OPTIONS:").last ?? full
            let options = Set(optionPattern.matches(in: help, range: NSRange(help.startIndex..., in: help)).map {
                String(help[Range($0.range, in: help)!])
            })
            XCTAssertFalse(options.isEmpty)
            for option in options where option != "--help" {
                // mdoc writes `--interval` as `Fl -interval`, and `-o, --output` as `Fl o , -output`.
                XCTAssertTrue(text.contains(" " + option.dropFirst() + " ") || text.contains(" " + option.dropFirst() + "\n"),
                              "\(command) \(option) is not in docs/man/memhound.1: run scripts/install --man-only")
            }
        }
        let render = try Spawned("/usr/bin/groff", ["-mdoc", "-Tutf8", page.path]).finish(timeout: 30)
        XCTAssertEqual(render.status, 0, render.summary)
        XCTAssertTrue(render.stdout.contains("attach"), render.summary)
    }
}

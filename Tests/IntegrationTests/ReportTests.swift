import Foundation
import XCTest

/// `memhound report`: the terminal summary and the HTML page (checked in headless Chromium) of recorded runs.
final class ReportTests: XCTestCase {
    /// The recorded leaker run the unit tests use (Tests/MemhoundTests/Fixtures/report).
    private var recorded: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../MemhoundTests/Fixtures/report/leaker-run.jsonl").standardized
    }

    private func scratch(_ name: String) -> URL {
        scratchDirectory.appendingPathComponent("report-\(UUID().uuidString.prefix(8))-\(name)")
    }

    func testPageOfARecordedRunRendersInChromiumWithHostileNamesEscaped() throws {
        let evil = "<script>alert(1)</script>"
        let text = try String(contentsOf: recorded, encoding: .utf8)
            .replacingOccurrences(of: #""function":"heap_leak""#, with: #""function":"\#(evil.replacingOccurrences(of: "/", with: "\\/"))""#)
        let input = scratch("hostile.jsonl")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let page = scratch("hostile.html")
        let outcome = try Memhound.run(["report", input.path, "--html", page.path])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.contains("<script>alert(1)</script> < main"), "the terminal shows it as text:\n\(outcome.stdout)")

        let dom = try assertRenders(page, sites: ["grow_cache", "child_grow"], figures: ["48.0 MiB", "51.1 MiB", "16.0 MiB"])
        XCTAssertTrue(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the frame name is shown as text")
        XCTAssertFalse(dom.contains(evil), "the frame name became markup")
        XCTAssertEqual(dom.components(separatedBy: "<script>").count - 1, 1, "only the page's own script")
    }

    func testReportOfARecordedLeakerRun() throws {
        try requirePrivileges()
        let output = scratch("leaker.jsonl")
        // Long enough for periodic reports before the final one: the timeline needs two points.
        let recording = try Memhound.run(["run", "--interval", "1", "-o", output.path, "--", try fixture(.leaker),
                                          "--steps", "8", "--step-mib", "4", "--step-ms", "350", "--then", "exit"], timeout: 90)
        XCTAssertEqual(recording.status, 0, recording.summary)

        let report = try Memhound.run(["report", output.path])
        XCTAssertEqual(report.status, 0, report.summary)
        XCTAssertEqual(report.stderr, "", report.summary)
        let line = try XCTUnwrap(report.stdout.split(separator: "\n").first { $0.contains("grow_cache") }, report.stdout)
        let resident = Double(line.split(separator: " ").first.map(String.init) ?? "")
        XCTAssertTrue(near(resident, 32, within: 0.1), "grow_cache keeps 32 MiB: \(line)\n\(report.stdout)")
        XCTAssertTrue(report.stdout.contains("main target"), report.stdout)
        XCTAssertTrue(report.stdout.contains("exited with code 0"), report.stdout)

        let page = scratch("leaker.html")
        XCTAssertEqual(try Memhound.run(["report", output.path, "--html", page.path]).status, 0)
        try assertRenders(page, sites: ["grow_cache"], figures: ["32.0 MiB"])
    }

    func testRejectsWhatItCannotRead() throws {
        let notMemhound = scratch("passwd")
        try "root:x:0:0:root:/root:/bin/bash\n".write(to: notMemhound, atomically: true, encoding: .utf8)
        let rejected = try Memhound.run(["report", notMemhound.path])
        assertCleanError(rejected, code: 65)
        XCTAssertTrue(rejected.stderr.contains("is not memhound output"), rejected.stderr)
        XCTAssertEqual(rejected.stdout, "")
        assertCleanError(try Memhound.run(["report", "/nonexistent/run.jsonl"]), code: 66)
        assertCleanError(try Memhound.run(["report", recorded.path, "--pid", "1"]), code: 3)
        assertCleanError(try Memhound.run(["report", recorded.path, "--top", "0"]), code: 64)
        assertCleanError(try Memhound.run(["report", recorded.path, "--html", "/nonexistent/dir/x.html"]), code: 9)
    }

    func testCutShortRecordingWarnsAndStillReports() throws {
        let text = try String(contentsOf: recorded, encoding: .utf8)
        let cut = scratch("cut.jsonl")
        try String(text.dropLast(40)).write(to: cut, atomically: true, encoding: .utf8)
        let outcome = try Memhound.run(["report", cut.path])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.stderrLines.count, 1, outcome.stderr)
        XCTAssertTrue(outcome.stderr.hasPrefix("memhound: warning: \(cut.path): the last line is cut short"), outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("grow_cache < main"), outcome.stdout)
    }

    func testReadsStdin() throws {
        let outcome = try Spawned("/bin/sh", ["-c", #"exec "$0" report - --pid 13683 < "$1""#, try Memhound.path(), recorded.path])
            .finish(timeout: 30)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.hasPrefix("memhound report of stdin\n"), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("child_grow < main"), outcome.stdout)
        XCTAssertFalse(outcome.stdout.contains("grow_cache"), outcome.stdout)
    }

    func testHelpNamesOptionsAndExitCodes() throws {
        let outcome = try Memhound.run(["report", "--help"], timeout: 30)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let text = outcome.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(text.contains("USAGE: memhound report <file> [--pid <pid>] [--top <top>] [--html <out.html>]"), outcome.stdout)
        XCTAssertTrue(text.contains("65 the input is not memhound output, 66 the input cannot be read"), outcome.stdout)
        XCTAssertTrue(try Memhound.run(["--help"], timeout: 30).stdout.contains("report "), "listed with the other commands")
    }

    /// Opens the page in headless Chromium: its script ran to the end, the sites, figures and flame graph
    /// are on the page, and a 1280x2000 screenshot is a real image. Returns the DOM.
    @discardableResult
    private func assertRenders(_ page: URL, sites: [String], figures: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let profile = scratch("chromium-profile")
        defer { try? FileManager.default.removeItem(at: profile) }
        let dom = try Chromium.dumpDOM(page, profile: profile)
        XCTAssertTrue(dom.contains(#"id="render-status" data-state="done""#), "the script did not finish:\n\(dom.suffix(2000))", file: file, line: line)
        XCTAssertFalse(dom.contains(#"data-state="error""#), "a script error:\n\(dom.suffix(2000))", file: file, line: line)
        for site in sites { XCTAssertTrue(dom.contains(#"<code class="site-name">\#(site)</code>"#), "site \(site) missing", file: file, line: line) }
        for figure in figures { XCTAssertTrue(dom.contains(figure), "figure \(figure) missing", file: file, line: line) }
        XCTAssertTrue(dom.contains(#"<svg class="flame""#), "no flame graph", file: file, line: line)
        XCTAssertTrue(dom.contains(#"<svg class="timeline""#), "no timeline", file: file, line: line)
        let frames = dom.range(of: #"data-frames="(\d+)""#, options: .regularExpression).map { dom[$0].filter(\.isNumber) }
        XCTAssertGreaterThan(Int(frames ?? "") ?? 0, 3, "the script saw no flame graph frames", file: file, line: line)

        let png = scratch("page.png")
        try Chromium.screenshot(page, to: png, profile: profile)
        let data = try Data(contentsOf: png)
        let size = pngSize(data)
        XCTAssertEqual(size?.width, 1280, file: file, line: line)
        XCTAssertEqual(size?.height, 2000, file: file, line: line)
        XCTAssertGreaterThan(data.count, 30_000, "a screenshot of a blank page is a few KB", file: file, line: line)
        return dom
    }
}

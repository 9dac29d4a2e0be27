import Foundation
@testable import MemhoundReport
import XCTest

final class RunReaderTests: XCTestCase {
    func testReadsRecordedRun() throws {
        let s = try RunReader.read(text: ReportFixture.text())
        XCTAssertEqual(s.mainPid, ReportFixture.mainPid)
        XCTAssertEqual(s.processes.map(\.pid), [ReportFixture.mainPid, ReportFixture.childPid])
        XCTAssertEqual(s.warnings, [])
        let main = try XCTUnwrap(s.process(ReportFixture.mainPid))
        XCTAssertEqual(main.comm, "leaker")
        XCTAssertEqual(main.rss.count, 4)
        XCTAssertEqual(main.reports.count, 5)
        let report = try XCTUnwrap(main.report)
        XCTAssertTrue(report.final)
        XCTAssertEqual(report.sites.first?.name, "grow_cache")
        XCTAssertEqual(report.sites.first?.bytes, 48 << 20)
        XCTAssertEqual(main.exit?.exitCode, 0)
        XCTAssertEqual(main.execs.map(\.comm), ["leaker"])
        XCTAssertEqual(main.ending, "exited with code 0")
        XCTAssertEqual(main.uncertainties, [])
        let child = try XCTUnwrap(s.process(ReportFixture.childPid))
        XCTAssertEqual(child.parentPid, ReportFixture.mainPid)
        XCTAssertEqual(child.report?.sites.first?.name, "child_grow")
        // Event lines are counted by their type, never decoded.
        XCTAssertEqual(s.lineCounts["mmap"], 3)
        XCTAssertEqual(s.lineCounts["munmap"], 3)
        XCTAssertEqual(s.lineCounts["report"], 6)
    }

    func testGrowthSeriesStartsAtTheReportsBaseline() throws {
        let main = try XCTUnwrap(RunReader.read(text: ReportFixture.text()).process(ReportFixture.mainPid))
        // `run` starts its program empty: the reports' growth is all of RssAnon.
        for point in main.reports { XCTAssertEqual(point.baseline, 0) }
        XCTAssertEqual(main.reports.last?.attributed, main.report?.attributed.anon)
        XCTAssertEqual(main.categories.first?.name, "off_heap_mmap")
    }

    func testCutShortLastLineIsIgnoredWithAWarning() throws {
        let text = try ReportFixture.text()
        let cut = String(text.dropLast(40))  // inside the last line, without its newline
        let s = try RunReader.read(text: cut, name: "run.jsonl")
        XCTAssertEqual(s.warnings.count, 1)
        XCTAssertTrue(s.warnings[0].contains("run.jsonl: the last line is cut short"), s.warnings[0])
        XCTAssertNil(s.process(ReportFixture.mainPid)?.exit, "the cut line was the main exit")
        XCTAssertEqual(s.process(ReportFixture.mainPid)?.report?.final, true)
    }

    func testUnreadableLineInTheMiddleIsSkippedAndCounted() throws {
        var lines = try ReportFixture.text().split(separator: "\n").map(String.init)
        lines.insert(#"{"type":"report","pid":"#, at: 5)
        lines.insert("\u{1}\u{2} binary junk", at: 7)
        let s = try RunReader.read(text: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(s.warnings, ["input: 2 lines could not be read and were skipped (first: line 6)"])
        XCTAssertEqual(s.processes.count, 2)
        XCTAssertEqual(s.lineCounts["report"], 6)
    }

    func testRejectsWhatIsNotMemhoundOutput() {
        let cases: [(String, String)] = [
            ("root:x:0:0:root:/root:/bin/bash\n", "is not memhound output"),
            (#"{"type":"rss","time":"2026-12-02T01:03:39.571Z"}"# + "\n", "is not memhound output"),
            (#"{"schema":2,"type":"rss","time":"2026-12-02T01:03:39.571Z"}"# + "\n", "output schema 2; this memhound reads schema 1"),
            ("", "is empty"),
            ("\n\n", "is empty"),
            (#"{"checks":[],"kernel":"6.1","ok":true,"schema":1,"time":"2026-12-02T01:03:39.571Z","type":"check"}"# + "\n",
             "holds no traced run (no start, rss or report line; it has: check)"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try RunReader.read(text: text, name: "x.jsonl"), text) { error in
                let failure = error as? ReportFailure
                XCTAssertEqual(failure?.kind, .notMemhoundOutput, text)
                XCTAssertEqual(failure?.exitCode, 65)
                XCTAssertTrue(failure?.message.hasPrefix("x.jsonl ") == true, "\(String(describing: failure))")
                XCTAssertTrue(failure?.message.contains(message) == true, "\(String(describing: failure)) lacks \(message)")
            }
        }
    }

    func testReadsFilesInSmallChunksTheSameAsWhole() throws {
        let path = try ReportFixture.url().path
        let fd = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        // 7-byte chunks: every line spans many reads and the buffer must grow for each report.
        let chunked = try RunReader.read(fd: fd, name: "f", chunk: 7)
        let whole = try RunReader.read(path: path)
        XCTAssertEqual(chunked.lineCounts, whole.lineCounts)
        XCTAssertEqual(chunked.processes.map(\.report), whole.processes.map(\.report))
        XCTAssertEqual(chunked.processes.map(\.rss), whole.processes.map(\.rss))
    }

    func testMissingFileAndDirectoryAreUnreadable() {
        for path in ["/nonexistent/run.jsonl", NSTemporaryDirectory()] {
            XCTAssertThrowsError(try RunReader.read(path: path)) { error in
                XCTAssertEqual((error as? ReportFailure)?.kind, .unreadable, path)
                XCTAssertEqual((error as? ReportFailure)?.exitCode, 66)
            }
        }
    }

    func testLineTypeIgnoresQuotedLookalikesInValues() {
        let line = #"{"frames":[{"function":"\"type\":\"exit\""}],"pid":1,"schema":1,"type":"mmap","x":"\"type\":\"report\""}"#
        let type = Array(line.utf8).withUnsafeBytes { lineType($0) }
        XCTAssertEqual(type, "mmap")
        XCTAssertNil(Array("{}".utf8).withUnsafeBytes { lineType($0) })
    }

    func testFutureAlertAndOOMLinesAreRead() throws {
        let extra = #"{"kind":"growth","message":"RSS grew 40 MiB in 10 s","pid":13682,"schema":1,"severity":"warning","time":"2026-12-02T01:03:42.000Z","type":"alert"}"#
            + "\n" + #"{"comm":"leaker","pid":13683,"schema":1,"time":"2026-12-02T01:03:39.900Z","type":"oom_kill","victim_extra":1}"# + "\n"
        let s = try RunReader.read(text: ReportFixture.text() + extra)
        XCTAssertEqual(s.alerts.map(\.kind), ["growth"])
        XCTAssertEqual(s.oomKills.map(\.pid), [ReportFixture.childPid])
    }

    func testTimestamps() {
        XCTAssertEqual(epochSeconds("1970-01-01T00:00:01.250Z"), 1.25)
        XCTAssertEqual(epochSeconds("2026-12-02T01:03:39Z"), 1_796_173_419)
        XCTAssertNil(epochSeconds("2026-12-02 01:03:39Z"))
        XCTAssertNil(epochSeconds("yesterday"))
    }
}

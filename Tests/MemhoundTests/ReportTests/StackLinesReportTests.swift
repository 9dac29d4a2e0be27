import Foundation
@testable import MemhoundOutput
import MemhoundReport
import XCTest

/// `memhound report` of a run written with --stacks once is the report of the same run written inline.
final class StackLinesReportTests: XCTestCase {
    static func onceText() throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/report/leaker-run-once", withExtension: "jsonl"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    func assertSameReports(_ once: String, _ inline: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try RunReader.read(text: once)
        let b = try RunReader.read(text: inline)
        XCTAssertEqual(a.warnings, [], file: file, line: line)
        XCTAssertEqual(a.processes.map(\.report), b.processes.map(\.report), "final reports, frames included", file: file, line: line)
        XCTAssertEqual(a.processes.map(\.reports), b.processes.map(\.reports), file: file, line: line)
        XCTAssertEqual(a.lineCounts, b.lineCounts, "stack lines are not counted as lines of the run", file: file, line: line)
        for pid in [nil, ReportFixture.mainPid, ReportFixture.childPid] {
            XCTAssertEqual(TextReport(summary: a, source: "run.jsonl", top: 10, pid: pid).render(),
                           TextReport(summary: b, source: "run.jsonl", top: 10, pid: pid).render(), file: file, line: line)
            XCTAssertEqual(HTMLReport(summary: a, source: "run.jsonl", pid: pid).render(),
                           HTMLReport(summary: b, source: "run.jsonl", pid: pid).render(), file: file, line: line)
        }
    }

    func testOnceRecordingReadsAsTheInlineOne() throws {
        let once = try Self.onceText()
        XCTAssertFalse(once.contains(#""sites":[{"bytes":50331648,"category":"off_heap_mmap","faults":12288,"frames""#))
        XCTAssertTrue(once.contains(#""type":"stack""#))
        try assertSameReports(once, ReportFixture.text())
        XCTAssertEqual(try RunReader.read(text: once).process(ReportFixture.mainPid)?.report?.sites.first?.name, "grow_cache")
    }

    /// memhound's own writer (StackLineTable, as Session uses it) makes what the reader rebuilds.
    func testStackTableOutputReadsAsTheInlineOne() throws {
        let encoder = LineWriter.makeEncoder()
        var table = StackLineTable(mode: .once)
        var out = ""
        for line in try ReportFixture.text().split(separator: "\n") {
            guard line.contains(#""type":"report""#) else { out += line + "\n"; continue }
            var report = try JSONDecoder().decode(ReportLine.self, from: Data(line.utf8))
            let (stacks, sites) = table.refer(report.sites, time: report.time)
            report.sites = sites
            for stack in stacks { out += String(decoding: try encoder.encode(VersionedLine(line: stack)), as: UTF8.self) + "\n" }
            out += String(decoding: try encoder.encode(VersionedLine(line: report)), as: UTF8.self) + "\n"
        }
        XCTAssertEqual(table.count, 11, "the fixture's reports have 11 distinct stacks")
        try assertSameReports(out, ReportFixture.text())
    }

    func testSiteOfAnUndefinedStackIsShownWithoutFramesAndWarned() throws {
        let lines = try Self.onceText().split(separator: "\n").map(String.init)
        let first = try XCTUnwrap(lines.firstIndex { $0.contains(#""type":"stack""#) && $0.contains(#""id":1,"#) })
        var without = lines
        without.remove(at: first)
        let s = try RunReader.read(text: without.joined(separator: "\n") + "\n")
        XCTAssertEqual(s.warnings.count, 1)
        XCTAssertTrue(s.warnings[0].contains("referred to a stack no earlier stack line defined"), s.warnings[0])
        XCTAssertTrue(s.processes.contains { $0.report?.sites.contains { $0.frames.isEmpty } == true })
    }
}

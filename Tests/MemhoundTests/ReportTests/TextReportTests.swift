import MemhoundReport
import XCTest

final class TextReportTests: XCTestCase {
    private func render(_ text: String, top: Int = 10, pid: Int32? = nil) throws -> String {
        TextReport(summary: try RunReader.read(text: text), source: "run.jsonl", top: top, pid: pid).render()
    }

    func testSummarisesEachProcessMainFirst() throws {
        let out = try render(ReportFixture.text())
        let main = try XCTUnwrap(out.range(of: "leaker (pid 13682, main target): traced 4.7 s, exited with code 0"), out)
        let child = try XCTUnwrap(out.range(of: "leaker (pid 13683, child of 13682): traced 0.4 s, exited with code 0"), out)
        XCTAssertLessThan(main.lowerBound, child.lowerBound)
        XCTAssertTrue(out.contains("anon RSS grew 51.1 MiB, attributed 51.1 MiB, explained 1.00"), out)
        XCTAssertTrue(out.contains("top sites (5 of 18, MiB):"), out)
        XCTAssertTrue(out.contains("     48.0      48.0       0.0  off_heap_mmap     grow_cache < main\n"), out)
        XCTAssertTrue(out.contains("      2.8       2.8       0.0  malloc_heap       heap_leak < main\n"), out)
        XCTAssertTrue(out.contains("     16.0      16.0       0.0  off_heap_mmap     child_grow < main\n"), out)
        XCTAssertTrue(out.contains("categories: off_heap_mmap 48.0 MiB, malloc_heap 3.0 MiB"), out)
        XCTAssertTrue(out.contains("figures exact (nothing lost)"), out)
        XCTAssertTrue(out.contains("tcp retransmits: none"), out)
        XCTAssertTrue(out.contains("lost (whole run): none"), out)
        XCTAssertTrue(out.hasPrefix("memhound report of run.jsonl\nrun /tmp/rpt/leaker --steps 12"), out)
    }

    func testCgoSitesAndBytesOfAGoProgram() throws {
        let out = try render(ReportFixture.withCgo(), pid: ReportFixture.mainPid)
        XCTAssertTrue(out.contains("      2.8       2.8       0.0  malloc_heap cgo   heap_leak < main\n"), out)
        XCTAssertTrue(out.contains("  cgo: 3.0 MiB held by sites C code called through cgo grew\n"), out)
        XCTAssertFalse(try render(ReportFixture.text()).contains("cgo"), "not a Go program")
    }

    func testTopAndPidNarrowIt() throws {
        let out = try render(ReportFixture.text(), top: 1, pid: ReportFixture.mainPid)
        XCTAssertTrue(out.contains("top sites (1 of 18, MiB):"), out)
        XCTAssertTrue(out.contains("grow_cache < main"), out)
        XCTAssertFalse(out.contains("heap_leak"), out)
        XCTAssertFalse(out.contains("13683"), out)
    }

    func testRetransmitsPerConnection() throws {
        let out = try render(ReportFixture.withRetransmits())
        XCTAssertTrue(out.contains("tcp retransmits: 3 (0 SYN-ACK, 1 failed, 2 segments)\n"), out)
        XCTAssertTrue(out.contains("    10.77.0.1:47456 -> 10.77.0.2:5001  ESTABLISHED  3 retransmits, 2 segments, 1 failed\n"), out)
    }

    func testSignalsLossesAndUncertainty() throws {
        var text = try ReportFixture.text(replacing: #""exit_code":0,"pid":13683,"schema":1,"signal":null"#,
                                          with: #""exit_code":null,"pid":13683,"schema":1,"signal":"SIGKILL""#)
        text = text.replacingOccurrences(of: #""lost_records":0,"other_sites":13,"pid":13682"#,
                                         with: #""lost_records":7,"other_sites":13,"pid":13682"#)
        text += #"{"lost":{"address_spaces":0,"map_reads":0,"output_lines":0,"ring_buffer":7,"sites":0,"skipped_runs":0,"stacks":2,"targets":0,"threads":0,"undecodable":0},"schema":1,"time":"2026-12-02T01:03:44.300Z","type":"lost"}"# + "\n"
        let out = try render(text)
        XCTAssertTrue(out.contains("leaker (pid 13683, child of 13682): traced 0.4 s, killed by SIGKILL"), out)
        XCTAssertTrue(out.contains("figures uncertain: 7 records of this process lost"), out)
        XCTAssertTrue(out.contains("lost (whole run): ring_buffer 7, stacks 2"), out)
    }

    func testControlCharactersFromTheFileAreEscaped() throws {
        let out = try render(ReportFixture.text(replacing: #""function":"grow_cache""#,
                                                with: #""function":"grow\u001b[2Jcache""#))
        XCTAssertFalse(out.contains("\u{1b}"), out)
        XCTAssertTrue(out.contains(#"grow\x1b[2Jcache < main"#), out)
    }
}

import Foundation
@testable import MemhoundOutput
import XCTest

final class LineTests: XCTestCase {
    private func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try LineWriter.makeEncoder().encode(value)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func report(explained: Double?) -> ReportLine {
        ReportLine(
            time: "2026-11-21T00:00:00.000Z", final: true, pid: 7, comm: "x", elapsedS: 1.5,
            rss: MemoryBytes(anon: 10, file: 2, shmem: 0, swap: 0), growth: MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0),
            attributed: AttributedBytes(anon: 0), explained: explained,
            unattributed: Unattributed(foreignGrowth: 1, foreignRelease: 2, unscopedRelease: 3, preexistingRelease: 4),
            sites: [SiteEntry(bytes: 4096, grown: 8192, released: 4096, faults: 2,
                              mapped: MappedBytes(bytes: 0, count: 0, oldestAgeS: nil),
                              frames: [Frame(address: "0x1", function: nil, module: "[unknown]", offset: "0x1")])],
            otherSites: 0, lost: LostCounts())
    }

    func testReportHasTypeTimeAndSnakeCaseKeys() throws {
        let j = try json(report(explained: 0.5))
        XCTAssertEqual(j["type"] as? String, "report")
        XCTAssertEqual(j["time"] as? String, "2026-11-21T00:00:00.000Z")
        XCTAssertEqual(j["elapsed_s"] as? Double, 1.5)
        XCTAssertEqual(j["other_sites"] as? Int, 0)
        XCTAssertEqual(j["explained"] as? Double, 0.5)
        let u = try XCTUnwrap(j["unattributed"] as? [String: Any])
        XCTAssertEqual(Set(u.keys), ["foreign_growth", "foreign_release", "unscoped_release", "preexisting_release",
                                    "unlocated_release", "unseen_release"])
        let lost = try XCTUnwrap(j["lost"] as? [String: Any])
        XCTAssertNotNil(lost["ring_buffer"])
        XCTAssertEqual(Set(lost.keys), ["ring_buffer", "stacks", "sites", "threads", "address_spaces", "targets",
                                        "undecodable", "skipped_runs", "output_lines", "map_reads"])
        XCTAssertEqual(j["lost_records"] as? Int, 0)
    }

    func testSkippedRunsCountAsLost() {
        var lost = LostCounts()
        XCTAssertEqual(lost.total, 0)
        lost.skippedRuns = 2
        XCTAssertEqual(lost.total, 2, "a skipped run is a lost event: the lost line is written")
    }

    func testNullExplainedAndUnknownFrameFieldsArePresent() throws {
        let j = try json(report(explained: nil))
        XCTAssertTrue(j.keys.contains("explained"))
        XCTAssertTrue(j["explained"] is NSNull)
        let site = try XCTUnwrap((j["sites"] as? [[String: Any]])?.first)
        let frame = try XCTUnwrap((site["frames"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(frame.keys), ["address", "function", "module", "offset", "symbol_offset", "file", "line", "inlined"])
        XCTAssertTrue(frame["function"] is NSNull)
        XCTAssertEqual((site["mapped"] as? [String: Any])?["count"] as? Int, 0)
    }

    func testUnreadableExeAndCommAreNullNotMissing() throws {
        let j = try json(TargetInfo(pid: 7, comm: nil, exe: nil, cmdline: []))
        XCTAssertTrue(j["exe"] is NSNull, "\(j)")
        XCTAssertTrue(j["comm"] is NSNull, "\(j)")
    }

    func testReportRoundTrips() throws {
        let original = report(explained: 0.97)
        let data = try LineWriter.makeEncoder().encode(original)
        XCTAssertEqual(try JSONDecoder().decode(ReportLine.self, from: data), original)
    }

    func testTimestampIsRFC3339UTC() {
        XCTAssertEqual(Timestamp.rfc3339(seconds: 0, nanoseconds: 5_000_000), "1970-01-01T00:00:00.005Z")
        XCTAssertEqual(Timestamp.rfc3339(seconds: 1_795_000_000, nanoseconds: 999_999_999), "2026-11-18T11:06:40.999Z")
        let now = Timestamp.now()
        XCTAssertTrue(now.hasSuffix("Z"))
        XCTAssertEqual(now.count, 24)
    }

    func testMonotonicTimesMapToNow() {
        let clock = MonotonicClock()
        let mono = MonotonicClock.nowNs()
        XCTAssertEqual(clock.rfc3339(monotonicNs: mono).prefix(16), Timestamp.now().prefix(16))
    }

    func testWriterWritesOneObjectPerLine() throws {
        let path = NSTemporaryDirectory() + "memhound-lines-\(getpid()).json"
        defer { unlink(path) }
        do {
            let writer = try LineWriter(path: path)
            try writer.write(LostLine(time: "t1", lost: LostCounts()))
            try writer.write(ExitLine(time: "t2", pid: 3, exitCode: 0, signal: nil, anonAtExit: 4096))
            try writer.flush()
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let exit = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        XCTAssertEqual(exit?["type"] as? String, "exit")
        XCTAssertEqual(exit?["anon_at_exit"] as? Int, 4096)
        XCTAssertEqual(exit?["exit_code"] as? Int, 0)
    }

    func testWriterReportsDiskFullWithErrnoAndFix() throws {
        let writer = try LineWriter(path: "/dev/full")
        try writer.write(LostLine(time: "t1", lost: LostCounts()))
        XCTAssertThrowsError(try writer.flush()) { error in
            XCTAssertEqual((error as? OutputFailed)?.errno, ENOSPC)
            XCTAssertEqual((error as? OutputFailed)?.destination, "/dev/full")
        }
        // Later writes report the same failure instead of queueing.
        XCTAssertThrowsError(try writer.write(LostLine(time: "t2", lost: LostCounts())))
    }

    /// A reader that does not read: the caller never blocks, droppable lines past the
    /// limit are counted, the others queue, and all of them arrive once it reads.
    func testBlockedReaderNeitherBlocksNorLosesRequiredLines() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        let path = "/dev/fd/\(fds[1])"
        let writer = try LineWriter(path: path, queueLimit: 4096)
        close(fds[1])
        let start = Date()
        for i in 0..<20_000 {
            try writer.write(LostLine(time: "event \(i)", lost: LostCounts()), droppable: true)
        }
        for i in 0..<100 { try writer.write(ExitLine(time: "required \(i)", pid: 1, exitCode: 0, signal: nil, anonAtExit: 0)) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "writes must not wait for the reader")
        XCTAssertGreaterThan(writer.droppedLines, 0)
        // Read until the last required line arrived: the writer's thread writes as the pipe drains.
        var text = ""
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !text.contains("required 99") {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
        }
        XCTAssertTrue(try writer.flush())
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("required") }.count, 100)
        XCTAssertEqual(UInt64(lines.filter { $0.contains("event") }.count) + writer.droppedLines, 20_000)
    }

    func testWriterToUnwritablePathThrows() {
        XCTAssertThrowsError(try LineWriter(path: "/nonexistent-dir/x.json"))
    }
}

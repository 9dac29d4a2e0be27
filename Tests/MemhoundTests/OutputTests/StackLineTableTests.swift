import Foundation
@testable import MemhoundOutput
import XCTest

/// --stacks once: stacks written once, sites referring to them, every line within 32 KiB.
final class StackLineTableTests: XCTestCase {
    let time = "2026-12-02T00:00:00.000Z"

    func frames(_ name: String, depth: Int = 3) -> [Frame] {
        (0..<depth).map { i in
            Frame(address: "0x\(String(0x401000 + i, radix: 16))", function: i == 0 ? name : "caller\(i)",
                  module: "/usr/bin/app", offset: "0x\(String(0x1000 + i, radix: 16))", symbolOffset: 4,
                  file: "app.go", line: 10 + i)
        }
    }

    func site(_ name: String, bytes: UInt64 = 4096) -> SiteEntry {
        SiteEntry(bytes: bytes, grown: bytes, released: 0, faults: 1,
                  mapped: MappedBytes(bytes: 0, count: 0, oldestAgeS: nil), frames: frames(name))
    }

    func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try LineWriter.makeEncoder().encode(value)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testInlineChangesNothing() {
        var table = StackLineTable(mode: .inline)
        let sites = [site("a"), site("b")]
        let (stacks, written) = table.refer(sites, time: time)
        XCTAssertEqual(stacks, [])
        XCTAssertEqual(written, sites)
        XCTAssertEqual(table.count, 0)
    }

    func testEachStackIsWrittenOnceAndSitesReferToIt() throws {
        var table = StackLineTable(mode: .once)
        let (stacks, written) = table.refer([site("a"), site("b")], time: time)
        XCTAssertEqual(stacks.map(\.id), [StackLineID(raw: 1), StackLineID(raw: 2)])
        XCTAssertEqual(stacks.map(\.frames), [frames("a"), frames("b")])
        XCTAssertEqual(written.map(\.stack), [StackLineID(raw: 1), StackLineID(raw: 2)])
        XCTAssertEqual(written.map(\.frames), [frames("a"), frames("b")], "the value keeps its frames")

        // Written, a site has `stack` instead of `frames`; a stack line has its frames and no mark.
        let encodedSite = try json(written[0])
        XCTAssertEqual(encodedSite["stack"] as? Int, 1)
        XCTAssertNil(encodedSite["frames"])
        let encodedStack = try json(stacks[0])
        XCTAssertEqual(encodedStack["type"] as? String, "stack")
        XCTAssertEqual((encodedStack["frames"] as? [Any])?.count, 3)
        XCTAssertNil(encodedStack["truncated_frames"])
        // Read back, the site is the reference alone: the reader fills in the frames.
        let decoded = try JSONDecoder().decode(SiteEntry.self, from: LineWriter.makeEncoder().encode(written[0]))
        XCTAssertEqual(decoded.stack, StackLineID(raw: 1))
        XCTAssertEqual(decoded.frames, [])
    }

    func testSameFramesKeepTheirIdAcrossLinesAndProcesses() {
        var table = StackLineTable(mode: .once)
        let first = table.refer([site("a"), site("b")], time: time)
        // Another report (another process, other figures), same call chains plus a new one.
        let second = table.refer([site("b", bytes: 1 << 20), site("c"), site("a", bytes: 8192)], time: time)
        XCTAssertEqual(second.stacks.map(\.frames), [frames("c")], "only the new stack is written")
        XCTAssertEqual(second.sites.map(\.stack), [first.sites[1].stack, StackLineID(raw: 3), first.sites[0].stack])
        XCTAssertEqual(table.count, 3)
    }

    func testForgottenStackIsWrittenAgainUnderANewId() {
        var table = StackLineTable(mode: .once, capacity: 4)
        for name in ["a", "b", "c", "d"] { _ = table.refer([site(name)], time: time) }
        _ = table.refer([site("a")], time: time)  // a is now the most recent
        let e = table.refer([site("e")], time: time)
        XCTAssertEqual(e.stacks.map(\.id), [StackLineID(raw: 5)])
        // Over capacity: down to three quarters of it, the least recent (b, c) forgotten.
        XCTAssertEqual(table.count, 3)
        let again = table.refer([site("b"), site("a"), site("e")], time: time)
        XCTAssertEqual(again.stacks.map(\.frames), [frames("b")], "b is written again")
        XCTAssertEqual(again.sites.map(\.stack), [StackLineID(raw: 6), StackLineID(raw: 1), StackLineID(raw: 5)])
    }

    func testTableStaysBoundedUnderChurn() {
        var table = StackLineTable(mode: .once, capacity: 64)
        for i in 0..<1000 { _ = table.refer([site("f\(i)")], time: time) }
        XCTAssertLessThanOrEqual(table.count, 64)
    }

    /// 127 frames of long C++ names: the stack line keeps the leaf end within 32 KiB and says how
    /// many root frames it left out.
    func testLongStackIsCutAtTheRootAndMarked() throws {
        let name = "std::_Function_handler<void (std::shared_ptr<cache::Entry>), cache::Store::fill(unsigned long)::{lambda(std::shared_ptr<cache::Entry>)#1}>::_M_invoke"
        let deep = (0..<127).map { i in
            Frame(address: "0x7f0000\(String(format: "%06x", i))", function: "\(name)_\(i)", module: "/usr/lib/libcache.so",
                  offset: "0x\(String(i, radix: 16))", symbolOffset: 12, file: "/src/cache/store.cpp", line: i,
                  mangled: "_ZNSt17_Function_handlerIFvSt10shared_ptrIN5cache5EntryEEEZNS1_5Store4fillEmEUlS3_E_E9_M_invokeERKSt9_Any_dataOS3_\(i)")
        }
        var table = StackLineTable(mode: .once)
        var long = site("x")
        long.frames = deep
        let (stacks, _) = table.refer([long], time: time)
        let line = try XCTUnwrap(stacks.first)
        let size = table.size(line)
        XCTAssertLessThanOrEqual(size, StackLineTable.maxLineBytes)
        XCTAssertGreaterThan(size, StackLineTable.maxLineBytes - 1200, "no more is cut than needed")
        let cut = try XCTUnwrap(line.truncatedFrames)
        XCTAssertGreaterThan(cut, 0)
        XCTAssertEqual(line.frames.count + cut, 127)
        XCTAssertEqual(line.frames, Array(deep.prefix(line.frames.count)), "the leaf end is kept")
        XCTAssertEqual(try json(line)["truncated_frames"] as? Int, cut)
    }

    /// With --top 20 a report without frames is far below 32 KiB, even with every figure at its widest
    /// and 20 IPv6 connections.
    func testWidestReportOfTwentySitesFits() throws {
        let max = UInt64.max
        let sites = (0..<20).map { i in
            var s = SiteEntry(bytes: max, grown: max, released: max, faults: max,
                              mapped: MappedBytes(bytes: max, count: Int.max, oldestAgeS: 31_536_000.123456789),
                              frames: frames("f\(i)", depth: 127), category: "goroutine_stacks", uncertainBytes: max)
            s.stack = StackLineID(raw: Int(Int32.max) + i)
            return s
        }
        var connection = TCPConnectionEntry(family: "ipv6", saddr: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", sport: 65535,
                                            daddr: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", dport: 65535,
                                            retransmits: max, synack: max, failed: max, segments: max, state: "CLOSE_WAIT")
        connection.kernelRetrans = max
        connection.missed = max
        var line = ReportLine(time: time, final: false, pid: .max, comm: String(repeating: "\u{1}", count: 15), elapsedS: 31_536_000.123456789,
                              rss: MemoryBytes(anon: .max, file: .max, shmem: .max, swap: .max),
                              growth: MemoryBytes(anon: .min, file: .min, shmem: .min, swap: .min),
                              attributed: AttributedBytes(anon: max, uncertain: max), explained: 0.123456789012345,
                              unattributed: Unattributed(foreignGrowth: max, foreignRelease: max, unscopedRelease: max,
                                                         preexistingRelease: max, unlocatedRelease: max, unseenRelease: max),
                              sites: sites, otherSites: .max, lost: LostCounts(),
                              categories: Dictionary(uniqueKeysWithValues: ["go_heap", "goroutine_stacks", "go_runtime", "off_heap_mmap",
                                                                            "malloc_heap", "thread_stacks", "other"].map { ($0, max) }))
        line.tcp = TCPReport(retransmits: max, synack: max, failed: max, segments: max, unattributed: max,
                             connections: Array(repeating: connection, count: 20), otherConnections: .max, lost: max)
        line.container = ContainerInfo(runtime: "containerd", id: String(repeating: "f", count: 64),
                                       podUID: "ffffffff-ffff-ffff-ffff-ffffffffffff")
        line.nsPid = .max
        let size = try LineWriter.makeEncoder().encode(VersionedLine(line: line)).count + 1
        XCTAssertLessThan(size, StackLineTable.maxLineBytes / 2, "\(size) bytes")
    }
}

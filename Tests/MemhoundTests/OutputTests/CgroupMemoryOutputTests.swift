import Foundation
import MemhoundAgent
@testable import MemhoundOutput
import MemhoundProc
import XCTest

/// CgroupMemoryInfo and PressureInfo as JSON, and their mapping from MemhoundProc's model.
final class CgroupMemoryOutputTests: XCTestCase {
    static func fullDetail(version: Int) -> CgroupMemoryDetail {
        var detail = CgroupMemoryDetail(path: "/kubepods/pod1/abc", version: version)
        detail.usage = 1 << 30
        detail.limit = 2 << 30
        detail.high = 3 << 29
        detail.softLimit = 1 << 29
        detail.swap = 4096
        var stat = CgroupMemoryDetail.Stat()
        (stat.anon, stat.file, stat.kernelStack, stat.pagetables, stat.sock) = (1, 2, 3, 4, 5)
        (stat.shmem, stat.slab, stat.anonTHP, stat.fileMapped) = (6, 7, 8, 9)
        detail.stat = stat
        var events = CgroupMemoryDetail.Events()
        (events.low, events.high, events.max, events.oom, events.oomKill) = (10, 11, 12, 13, 14)
        (events.oomGroupKill, events.failcnt, events.underOOM, events.oomKillDisable) = (15, 16, true, false)
        detail.events = events
        detail.pressure = MemoryPressure(some: .init(avg10: 1.5, avg60: 0.25, avg300: 0, total: 100),
                                         full: .init(avg10: 0, avg60: 0, avg300: 0, total: 7))
        return detail
    }

    static func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try LineWriter.makeEncoder().encode(value)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testEveryFieldIsMappedUnderItsSnakeCaseKey() throws {
        let info = CgroupMemoryInfo(Self.fullDetail(version: 2))
        let j = try Self.json(info)
        XCTAssertEqual(Set(j.keys), ["usage", "limit", "high", "soft_limit", "swap", "stat", "events", "pressure"])
        XCTAssertEqual(j["usage"] as? UInt64, 1 << 30)
        XCTAssertEqual(j["soft_limit"] as? UInt64, 1 << 29)
        let stat = try XCTUnwrap(j["stat"] as? [String: UInt64])
        XCTAssertEqual(stat, ["anon": 1, "file": 2, "kernel_stack": 3, "pagetables": 4, "sock": 5, "shmem": 6,
                              "slab": 7, "anon_thp": 8, "file_mapped": 9])
        let events = try XCTUnwrap(j["events"] as? [String: Any])
        XCTAssertEqual(Set(events.keys), ["low", "high", "max", "oom", "oom_kill", "oom_group_kill", "failcnt",
                                          "under_oom", "oom_kill_disable"])
        XCTAssertEqual(events["oom_group_kill"] as? UInt64, 15)
        XCTAssertEqual(events["under_oom"] as? Bool, true)
        let pressure = try XCTUnwrap(j["pressure"] as? [String: [String: Any]])
        XCTAssertEqual(pressure["some"]?["avg10"] as? Double, 1.5)
        XCTAssertEqual(pressure["some"]?["total_us"] as? UInt64, 100)
        XCTAssertEqual(Set(pressure["full"]?.keys ?? [:].keys), ["avg10", "avg60", "avg300", "total_us"])
    }

    func testAbsentFiguresAreOmittedNotNull() throws {
        XCTAssertEqual(try Self.json(CgroupMemoryInfo(CgroupMemoryDetail(path: "/", version: 2))).count, 0)
        var detail = CgroupMemoryDetail(path: "/x", version: 1)
        detail.usage = 5
        var events = CgroupMemoryDetail.Events()
        events.failcnt = 0
        detail.events = events
        let j = try Self.json(CgroupMemoryInfo(detail))
        XCTAssertEqual(Set(j.keys), ["usage", "events"])
        XCTAssertEqual(j["events"] as? [String: UInt64], ["failcnt": 0])
    }

    func testRoundTrips() throws {
        let info = CgroupMemoryInfo(Self.fullDetail(version: 1))
        let data = try LineWriter.makeEncoder().encode(info)
        XCTAssertEqual(try JSONDecoder().decode(CgroupMemoryInfo.self, from: data), info)
        let empty = try LineWriter.makeEncoder().encode(CgroupMemoryInfo())
        XCTAssertEqual(try JSONDecoder().decode(CgroupMemoryInfo.self, from: empty), CgroupMemoryInfo())
    }
}

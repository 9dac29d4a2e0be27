@testable import MemhoundAgent
import MemhoundOutput
import XCTest

/// `watch`'s group lines: reports of one moment summed per cgroup.
final class GroupReportsTests: XCTestCase {
    func frame(_ name: String) -> Frame {
        Frame(address: "0x1000", function: name, module: "/usr/bin/app", offset: "0x1000", symbolOffset: 0,
              file: nil, line: nil, inlined: false, mangled: nil, moduleDeleted: false, buildID: nil)
    }

    func site(_ name: String, _ mib: UInt64, category: String = "other") -> SiteEntry {
        SiteEntry(bytes: mib << 20, grown: mib << 20, released: 0, faults: mib * 256,
                  mapped: MappedBytes(bytes: 0, count: 0, oldestAgeS: nil), frames: [frame(name)], category: category)
    }

    func report(_ pid: Int32, growthMiB: Int64, _ sites: [SiteEntry], container: ContainerInfo? = nil) -> ReportLine {
        var r = ReportLine(time: "t", final: false, pid: pid, comm: "app", elapsedS: 1,
                           rss: MemoryBytes(anon: growthMiB << 20, file: 0, shmem: 0, swap: 0),
                           growth: MemoryBytes(anon: growthMiB << 20, file: 1, shmem: 0, swap: 0),
                           attributed: AttributedBytes(anon: sites.reduce(0) { $0 + $1.bytes }), explained: nil,
                           unattributed: Unattributed(foreignGrowth: 0, foreignRelease: 0, unscopedRelease: 0, preexistingRelease: 0),
                           sites: sites, otherSites: 1, lost: LostCounts(), categories: ["other": sites.reduce(0) { $0 + $1.bytes }])
        r.container = container
        return r
    }

    func testProcessesOfOneCgroupAreSummedAndTheirCommonSitesMerged() throws {
        let a = CgroupKey(path: "/pod/a", version: 1), b = CgroupKey(path: "/pod/b", version: 1)
        let container = ContainerInfo(runtime: "docker", id: "abc", podUID: nil)
        let reports = [(report(10, growthMiB: 8, [site("grow", 6), site("scratch", 2)], container: container), a),
                       (report(11, growthMiB: 12, [site("grow", 10)]), a),
                       (report(20, growthMiB: 4, [site("other_code", 4)]), b)]
        let lines = GroupReports(top: 10).lines(reports, exits: [:], time: "t", final: false)
        let la = try XCTUnwrap(lines[a])
        XCTAssertEqual(la.processes, 2)
        XCTAssertEqual(la.pids, [11, 10], "largest growth first")
        XCTAssertEqual(la.growth.anon, 20 << 20)
        XCTAssertEqual(la.attributed.anon, 18 << 20)
        XCTAssertEqual(la.explained ?? 0, 0.9, accuracy: 1e-9)
        XCTAssertEqual(la.sites.map { $0.frames[0].function }, ["grow", "scratch"])
        XCTAssertEqual(la.sites[0].bytes, 16 << 20)
        XCTAssertEqual(la.sites[0].processes, 2)
        XCTAssertEqual(la.sites[1].processes, 1)
        XCTAssertEqual(la.otherSites, 2, "each process's own sites past its --top")
        XCTAssertEqual(la.categories["other"], 18 << 20)
        XCTAssertEqual(la.container, container)
        XCTAssertEqual(lines[b]?.pids, [20])
    }

    func testCgoSitesAndBytesOfGoProcessesAreSummed() throws {
        let key = CgroupKey(path: "/pod/go", version: 2)
        var cgo = site("keep_c", 6, category: "malloc_heap")
        cgo.cgo = true
        var go = report(10, growthMiB: 8, [cgo, site("main.fill", 2)])
        go.cgoBytes = 6 << 20
        var other = report(11, growthMiB: 4, [site("keep_c", 4, category: "malloc_heap")])
        other.cgoBytes = 0
        let line = try XCTUnwrap(GroupReports(top: 10).lines([(go, key), (other, key)], exits: [:], time: "t", final: false)[key])
        XCTAssertEqual(line.cgoBytes, 6 << 20)
        XCTAssertEqual(line.sites.first?.cgo, true, "the same chain, cgo in one of its processes")
        XCTAssertNil(line.sites.last?.cgo)
        let c = CgroupKey(path: "/pod/c", version: 2)
        let plain = try XCTUnwrap(GroupReports(top: 10).lines([(report(12, growthMiB: 1, []), c)], exits: [:], time: "t", final: false)[c])
        XCTAssertNil(plain.cgoBytes, "no Go process in it")
    }

    func testTopAndNamedPidsAreBounded() throws {
        let key = CgroupKey(path: "/many", version: 2)
        let reports = (1...30).map { (report(Int32($0), growthMiB: Int64($0), [site("f\($0)", UInt64($0))]), key) }
        let line = try XCTUnwrap(GroupReports(top: 5).lines(reports, exits: [:], time: "t", final: false)[key])
        XCTAssertEqual(line.pids.count, 20)
        XCTAssertEqual(line.pids.first, 30)
        XCTAssertEqual(line.otherPids, 10)
        XCTAssertEqual(line.sites.count, 5)
        XCTAssertEqual(line.otherSites, 25 + 30)
    }

    func testACgroupWhoseProcessesAllEndedGetsALineWithItsExits() throws {
        let gone = CgroupKey(path: "/gone", version: 1)
        let line = try XCTUnwrap(GroupReports(top: 5).lines([], exits: [gone: 3], time: "t", final: true)[gone])
        XCTAssertEqual(line.processes, 0)
        XCTAssertEqual(line.exited, 3)
        XCTAssertNil(line.explained)
        XCTAssertTrue(line.final)
    }
}

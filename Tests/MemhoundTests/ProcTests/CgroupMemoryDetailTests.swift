import Foundation
import MemhoundProc
import XCTest

/// `ProcFS.cgroupMemoryDetail` on Fixtures/proc/cgroup-v2 (pure v2: a Kubernetes pod and its container,
/// an empty cgroup, /proc/pressure/memory) and Fixtures/proc/cgroup-v1 (hybrid: v1's memory hierarchy,
/// v2 at sys/fs/cgroup/unified).
final class CgroupMemoryDetailTests: XCTestCase {
    static let pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e.slice"
    static let container = pod + "/cri-containerd-abc.scope"
    static let v1Container = "/kubepods/pod1b2c3d4e/abc"

    func fixture(_ name: String) -> ProcFS {
        ProcFS(root: Bundle.module.resourceURL!.appendingPathComponent("Fixtures/proc/" + name).path)
    }

    func testV2Container() throws {
        let detail = try XCTUnwrap(fixture("cgroup-v2").cgroupMemoryDetail(path: Self.container, version: 2))
        var expected = CgroupMemoryDetail(path: Self.container, version: 2)
        expected.usage = 1_342_177_280
        expected.limit = nil // "max"
        expected.high = 1_610_612_736
        expected.swap = 1_048_576
        var stat = CgroupMemoryDetail.Stat()
        stat.anon = 1_048_576_000
        stat.file = 262_144_000
        stat.kernelStack = 1_310_720
        stat.pagetables = 4_194_304
        stat.sock = 8192
        stat.shmem = 4096
        stat.slab = 9_000_000
        stat.anonTHP = 419_430_400
        stat.fileMapped = 52_428_800
        expected.stat = stat
        var events = CgroupMemoryDetail.Events()
        events.low = 0
        events.high = 12
        events.max = 3
        events.oom = 1
        events.oomKill = 1
        events.oomGroupKill = 0
        expected.events = events
        expected.pressure = MemoryPressure(
            some: .init(avg10: 1.53, avg60: 0.87, avg300: 0.22, total: 1_843_210),
            full: .init(avg10: 0.91, avg60: 0.40, avg300: 0.10, total: 921_605))
        XCTAssertEqual(detail, expected)
    }

    func testV2PodWithLimitAndMissingFiles() throws {
        let detail = try XCTUnwrap(fixture("cgroup-v2").cgroupMemoryDetail(path: Self.pod, version: 2))
        XCTAssertEqual(detail.usage, 1_400_000_000)
        XCTAssertEqual(detail.limit, 2_147_483_648)
        XCTAssertNil(detail.high, "\"max\"")
        XCTAssertNil(detail.swap, "no memory.swap.current")
        XCTAssertNil(detail.stat, "no memory.stat")
        XCTAssertNil(detail.pressure, "no memory.pressure")
        XCTAssertEqual(detail.events?.oomKill, 0)
        XCTAssertNil(detail.events?.oomGroupKill, "a kernel before 5.17 has no oom_group_kill")
        XCTAssertNil(detail.events?.failcnt, "v1 only")
    }

    func testV1ContainerPrefersHierarchicalStat() throws {
        let detail = try XCTUnwrap(fixture("cgroup-v1").cgroupMemoryDetail(path: Self.v1Container, version: 1))
        var expected = CgroupMemoryDetail(path: Self.v1Container, version: 1)
        expected.usage = 3_768_320
        expected.limit = nil // 9223372036854771712: unlimited
        expected.softLimit = 536_870_912
        expected.swap = 385_024 // total_swap, not memsw (memory and swap together)
        var stat = CgroupMemoryDetail.Stat()
        stat.anon = 2_097_152 // total_rss, not rss
        stat.file = 1_024_000
        stat.shmem = 4096
        stat.anonTHP = 2_097_152
        stat.fileMapped = 32768
        expected.stat = stat
        var events = CgroupMemoryDetail.Events()
        events.oomKill = 2
        events.underOOM = true
        events.oomKillDisable = false
        events.failcnt = 17
        expected.events = events
        XCTAssertEqual(detail, expected)
    }

    func testV1StatWithoutTotalsUsesOwnLines() {
        var expected = CgroupMemoryDetail.Stat()
        expected.anon = 10
        expected.file = 20
        XCTAssertEqual(CgroupMemoryDetail.Stat.parse(v1: "cache 20\nrss 10\npgfault 3\n"), expected)
        XCTAssertNil(CgroupMemoryDetail.Stat.parse(v1: "pgfault 3\n"), "no known key")
    }

    func testV2SlabFromItsPartsOnOlderKernels() {
        XCTAssertEqual(CgroupMemoryDetail.Stat.parse(v2: "slab_reclaimable 4096\nslab_unreclaimable 8192\n")?.slab, 12288)
        XCTAssertNil(CgroupMemoryDetail.Stat.parse(v2: "anon 1\nslab_reclaimable 4096\n")?.slab, "one part only")
        XCTAssertEqual(CgroupMemoryDetail.Stat.parse(v2: "slab 1\nslab_reclaimable 4096\nslab_unreclaimable 8192\n")?.slab, 1)
    }

    func testEmptyCgroupHasNoFigures() throws {
        let v2 = try XCTUnwrap(fixture("cgroup-v2").cgroupMemoryDetail(path: "/empty.slice", version: 2))
        XCTAssertEqual(v2, CgroupMemoryDetail(path: "/empty.slice", version: 2))
        let v1 = try XCTUnwrap(fixture("cgroup-v1").cgroupMemoryDetail(path: "/empty", version: 1))
        XCTAssertEqual(v1, CgroupMemoryDetail(path: "/empty", version: 1))
    }

    func testMissingOrEscapingCgroupIsNil() {
        let v2 = fixture("cgroup-v2")
        XCTAssertNil(v2.cgroupMemoryDetail(path: "/gone.slice", version: 2))
        XCTAssertNil(v2.cgroupMemoryDetail(path: Self.container, version: 1), "no v1 hierarchy")
        XCTAssertNil(v2.cgroupMemoryDetail(path: Self.container, version: 3))
        XCTAssertNil(v2.cgroupMemoryDetail(path: Self.pod + "/../" + "empty.slice", version: 2))
        XCTAssertNil(v2.cgroupMemoryDetail(path: "empty.slice", version: 2), "relative")
        XCTAssertNil(ProcFS(root: "/nonexistent").cgroupMemoryDetail(path: "/", version: 2))
    }

    /// On a hybrid system sys/fs/cgroup is a tmpfs: its v1 mounts are not v2 cgroups.
    func testHybridFindsV2UnderUnified() {
        let hybrid = fixture("cgroup-v1")
        XCTAssertEqual(hybrid.cgroupMemoryDetail(path: "/", version: 2), CgroupMemoryDetail(path: "/", version: 2))
        XCTAssertNil(hybrid.cgroupMemoryDetail(path: "/cpu", version: 2), "a v1 mount, not a v2 cgroup")
        XCTAssertNil(hybrid.cgroupMemoryDetail(path: "/abc", version: 2))
    }

    func testHostMemoryPressure() {
        XCTAssertEqual(fixture("cgroup-v2").hostMemoryPressure(), MemoryPressure(
            some: .init(avg10: 0.12, avg60: 0.05, avg300: 0.01, total: 54803),
            full: .init(avg10: 0, avg60: 0, avg300: 0, total: 5950)))
        XCTAssertNil(fixture("cgroup-v1").hostMemoryPressure(), "no proc/pressure/memory")
    }

    func testPressureParser() {
        let real = "some avg10=0.00 avg60=0.00 avg300=0.00 total=54803\nfull avg10=12.50 avg60=3.01 avg300=100.00 total=5950\n"
        XCTAssertEqual(MemoryPressure.parse(real), MemoryPressure(
            some: .init(avg10: 0, avg60: 0, avg300: 0, total: 54803),
            full: .init(avg10: 12.5, avg60: 3.01, avg300: 100, total: 5950)))
        // A key a later kernel might add is ignored; the order of lines does not matter.
        let reordered = "full avg10=0.00 avg60=0.00 avg300=0.00 total=2 new=1\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=1"
        XCTAssertEqual(MemoryPressure.parse(reordered)?.some.total, 1)
        XCTAssertEqual(MemoryPressure.parse(reordered)?.full.total, 2)
    }

    func testMalformedPressureIsNil() {
        let some = "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
        for text in [
            "", "\n", some, "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
            some + "full avg10=0.00 avg60=0.00 total=1\n",
            some + "full avg10=x avg60=0.00 avg300=0.00 total=1\n",
            some + "full avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n",
            some + "full avg10=nan avg60=0.00 avg300=0.00 total=1\n",
            some + "full avg10=-1 avg60=0.00 avg300=0.00 total=1\n",
            some + "full avg10 avg60=0.00 avg300=0.00 total=1\n",
            some + "full avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n",
            "\u{0}\u{FF}some=full ====\n",
        ] {
            XCTAssertNil(MemoryPressure.parse(text), text)
        }
    }

    func testGarbageStatAndEventsDoNotCrash() {
        XCTAssertNil(CgroupMemoryDetail.Stat.parse(v2: "anon\nfile x\nanon 1 2\nslab -1\n\u{0}"))
        XCTAssertNil(CgroupMemoryDetail.Events.parse(v2: "oom -1\nmax 1.5\n"))
        XCTAssertNil(CgroupMemoryDetail.Events.parse(v1OOMControl: nil, failcnt: nil))
        XCTAssertEqual(CgroupMemoryDetail.Events.parse(v1OOMControl: nil, failcnt: "0\n")?.failcnt, 0)
    }

    /// This process's own memory cgroup, read from the real /sys/fs/cgroup: v1's memory hierarchy when
    /// the memory controller is there, else the unified one. Charged pages make its usage non-zero,
    /// except for a root cgroup, which has no usage file on v2.
    func testOwnCgroup() throws {
        let text = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let own = CgroupMemory.memoryV1Path(fromCgroupFile: text).map { ($0, 1) }
            ?? CgroupMemory.unifiedPath(fromCgroupFile: text).map { ($0, 2) }
        let (path, version) = try XCTUnwrap(own, text)
        let detail = try XCTUnwrap(ProcFS().cgroupMemoryDetail(path: path, version: version), "\(path) v\(version)")
        if path != "/" {
            XCTAssertGreaterThan(try XCTUnwrap(detail.usage), 0)
        }
        if let host = try? String(contentsOfFile: "/proc/pressure/memory", encoding: .utf8), !host.isEmpty {
            XCTAssertNotNil(ProcFS().hostMemoryPressure(), host)
        }
    }
}

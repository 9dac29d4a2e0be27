import Foundation
@testable import MemhoundAgent
import MemhoundEvents
import MemhoundOutput
import XCTest

final class ReportBuilderTests: XCTestCase {
    func frame(_ function: String?, _ module: String = "/bin/app") -> Frame {
        Frame(address: "0x1", function: function, module: module, offset: "0x1")
    }

    func testWrapperFramesAreLeftOutOfTheSiteKey() {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        XCTAssertEqual(CallSite(frames: [frame("__mmap", libc), frame("grow"), frame("main")]).functions, ["grow", "main"])
        XCTAssertEqual(CallSite(frames: [frame("syscall.Syscall6"), frame("syscall.Mmap"), frame("main.grow")]).functions, ["main.grow"])
        XCTAssertEqual(CallSite(frames: [frame("memset", libc)]).functions, ["memset"], "a stack of wrappers only keeps them")
        XCTAssertEqual(CallSite(frames: [frame(nil)]).functions, ["/bin/app+0x1"])
        XCTAssertEqual(CallSite(frames: []).name, "[no stack]")
        XCTAssertEqual(CallSite(frames: [frame("__mmap", libc), frame("grow"), frame("main"),
                                         frame("__libc_start_call_main", libc), frame("__libc_start_main@@GLIBC_2.34", libc),
                                         frame("_start")]).functions, ["grow", "main"], "start routines are left out")
        XCTAssertEqual(CallSite(frames: [frame("worker"), frame("start_thread", libc), frame("clone3", libc)]).functions, ["worker"])
    }

    /// The caller above the allocator names the site, as above libc's malloc.
    func testLeadingAllocatorFramesAreLeftOutOfTheSiteKey() {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        let jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
        XCTAssertEqual(CallSite(frames: [frame("_int_malloc", libc), frame("malloc", libc),
                                         frame("operator new(unsigned long)", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"),
                                         frame("record_name"), frame("main")]).functions, ["record_name", "main"])
        let redis = "/usr/bin/redis-server"
        XCTAssertEqual(CallSite(frames: [frame(nil, jemalloc), frame(nil, jemalloc), frame("malloc", jemalloc),
                                         frame("ztrymalloc_usable", redis), frame("createStringObject", redis)]).name,
                       "ztrymalloc_usable")
        let python = "/usr/bin/python3.11"
        XCTAssertEqual(CallSite(frames: [frame("pymalloc_alloc", python), frame("_PyObject_Malloc", python),
                                         frame("bytes_new", python)]).name, "bytes_new")
        XCTAssertEqual(CallSite(frames: [frame("je_malloc"), frame("je_arena_malloc_hard")]).functions, ["je_malloc", "je_arena_malloc_hard"],
                       "a stack of allocator frames only keeps them")
        XCTAssertEqual(CallSite(frames: [frame("grow"), frame("malloc_wrapper"), frame("malloc", libc)]).functions,
                       ["grow", "malloc_wrapper", "malloc"], "only leading frames are left out")
    }

    func testStacksOfOneSiteAreMergedAndTheGrowingStackShowsIt() {
        let b = ReportBuilder(top: 10)
        var touch = ReportBuilder.SiteTotals()
        touch.grown = 8 << 20
        touch.faults = 2048
        var map = ReportBuilder.SiteTotals()
        map.mappedBytes = 8 << 20
        map.mappedCount = 2
        let libc = "/lib/libc.so.6"
        let frames: [StackName: [Frame]] = [
            .walked(1): [frame("grow"), frame("main")],
            .unwound(1): [frame("__mmap", libc), frame("grow"), frame("main")],
        ]
        let groups = b.group([.walked(1): touch, .unwound(1): map], frames: { frames[$0]! })
        XCTAssertEqual(groups.count, 1)
        XCTAssertEqual(groups[0].totals.grown, 8 << 20)
        XCTAssertEqual(groups[0].totals.mappedCount, 2)
        XCTAssertEqual(groups[0].frames.first?.function, "grow")
    }

    func testReportRanksByNetBytesAndComputesExplained() {
        let b = ReportBuilder(top: 1)
        var leak = ReportBuilder.SiteTotals()
        leak.grown = 6 << 20
        var churn = ReportBuilder.SiteTotals()
        churn.grown = 50 << 20
        churn.released = 50 << 20
        var p = TracedProcess(pid: 4, comm: "app", baseline: .zero)
        p.latest = MemoryBytes(anon: 6 << 20, file: 0, shmem: 0, swap: 0)
        let r = b.report(process: p, final: true, time: "t", nowNs: 0, elapsed: 1,
                         totals: [.walked(1): leak, .walked(2): churn],
                         unmatchedRelease: 0, lost: LostCounts(),
                         frames: { [self.frame($0 == .walked(1) ? "leak" : "churn")] })
        XCTAssertEqual(r.sites.map(\.bytes), [6 << 20])
        XCTAssertEqual(r.sites.first?.frames.first?.function, "leak")
        XCTAssertEqual(r.otherSites, 1)
        XCTAssertEqual(r.attributed.anon, 6 << 20)
        XCTAssertEqual(r.explained, 1.0)
        p.latest = .zero
        let idle = b.report(process: p, final: false, time: "t", nowNs: 0, elapsed: 1, totals: [:],
                            unmatchedRelease: 0, lost: LostCounts(), frames: { _ in [] })
        XCTAssertNil(idle.explained)
    }

    /// Go calling C through cgo: the C allocator's memory and the cgo call on the stack make a cgo
    /// site, and `cgo_bytes` sums what such sites hold; Go heap sites are not cgo.
    func testCgoSitesOfAGoProcess() throws {
        let b = ReportBuilder(top: 10)
        var cHeap = ReportBuilder.SiteTotals()
        cHeap.grown = 6 << 20
        cHeap.byCategory[.mallocHeap] = 6 << 20
        var cMap = ReportBuilder.SiteTotals()
        cMap.grown = 3 << 20  // unlocated: counted by what its code is
        var goHeap = ReportBuilder.SiteTotals()
        goHeap.grown = 4 << 20
        goHeap.byCategory[.goHeap] = 4 << 20
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        let stacks: [StackName: [Frame]] = [
            .walked(1): [frame("__memset_avx2_unaligned_erms", libc), frame("keep_c"), frame("runtime.asmcgocall"),
                         frame("runtime.cgocall"), frame("main._Cfunc_keep_c"), frame("main.leakC")],
            .walked(2): [frame("map_buffer"), frame("runtime.asmcgocall"), frame("runtime.cgocall"),
                         frame("main._Cfunc_map_buffer"), frame("main.main")],
            .walked(3): [frame("main.fill"), frame("main.main")],
        ]
        var p = TracedProcess(pid: 4, comm: "app", baseline: .zero)
        p.latest = MemoryBytes(anon: 13 << 20, file: 0, shmem: 0, swap: 0)
        p.isGo = true
        let r = b.report(process: p, final: true, time: "t", nowNs: 0, elapsed: 1,
                         totals: [.walked(1): cHeap, .walked(2): cMap, .walked(3): goHeap],
                         unmatchedRelease: 0, lost: LostCounts(), frames: { stacks[$0]! })
        let byName = Dictionary(uniqueKeysWithValues: r.sites.map { (CallSite(frames: $0.frames).name, $0) })
        XCTAssertEqual(byName["keep_c"]?.cgo, true)
        XCTAssertEqual(byName["keep_c"]?.category, "malloc_heap")
        XCTAssertEqual(byName["map_buffer"]?.cgo, true)
        XCTAssertEqual(byName["map_buffer"]?.category, "other", "C code under cgo is not the Go heap")
        XCTAssertNil(byName["main.fill"]?.cgo)
        XCTAssertEqual(r.cgoBytes, 9 << 20)
        XCTAssertEqual(r.categories["go_heap"], 4 << 20)
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        XCTAssertTrue(json.contains(#""cgo_bytes":9437184"#), json)
        XCTAssertEqual(json.components(separatedBy: #""cgo":true"#).count - 1, 2)
        XCTAssertFalse(json.contains(#""cgo":false"#))
        let decoded = try JSONDecoder().decode(ReportLine.self, from: Data(json.utf8))
        XCTAssertEqual(decoded.sites.compactMap(\.cgo).count, 2)
        // Not a Go program: no cgo, no cgo_bytes.
        p.isGo = false
        let c = b.report(process: p, final: true, time: "t", nowNs: 0, elapsed: 1, totals: [.walked(1): cHeap],
                         unmatchedRelease: 0, lost: LostCounts(), frames: { stacks[$0]! })
        XCTAssertNil(c.cgoBytes)
        XCTAssertNil(c.sites.first?.cgo)
        let plain = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        XCTAssertFalse(plain.contains(#""cgo""#) || plain.contains("cgo_bytes"), plain)
    }

    func testWaitStatusDescriptions() {
        XCTAssertEqual(describeWaitStatus(3 << 8).code, 3)
        XCTAssertEqual(describeWaitStatus(9).signal, "SIGKILL")
        XCTAssertEqual(shellStatus(9), 137)
        XCTAssertEqual(shellStatus(2 << 8), 2)
    }
}

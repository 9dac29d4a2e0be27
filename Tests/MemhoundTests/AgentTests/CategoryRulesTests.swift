@testable import MemhoundAccounting
@testable import MemhoundAgent
import XCTest

final class CategoryRulesTests: XCTestCase {
    typealias Region = CategoryRules.Region

    func category(_ faulting: [String], isGo: Bool = false, stackTouch: Bool = false, region: Region? = nil) -> MemoryCategory {
        CategoryRules.category(stackTouch: stackTouch, isGo: isGo, faulting: faulting, region: region)
    }

    func testGoHeapRuntimeAndOffHeapByTheRegionCreator() {
        let arena = Region(creator: ["runtime.sysMmap", "runtime.mmap", "runtime.sysMap", "runtime.(*mheap).grow"])
        XCTAssertEqual(category(["main.growHeap", "main.main"], isGo: true, region: arena), .goHeap)
        let metadata = Region(creator: ["runtime.sysAlloc", "runtime.persistentalloc1"])
        XCTAssertEqual(category(["runtime.(*spanSet).push"], isGo: true, region: metadata), .goRuntime)
        let explicit = Region(creator: ["syscall.Syscall6", "syscall.mmap", "syscall.(*mmapper).Mmap", "syscall.Mmap", "main.grow"])
        XCTAssertEqual(category(["main.grow"], isGo: true, region: explicit), .offHeapMmap)
    }

    func testStacks() {
        XCTAssertEqual(category(["main.deep"], isGo: true, stackTouch: true), .goroutineStacks)
        XCTAssertEqual(category(["runtime.memmove", "runtime.copystack", "runtime.newstack"], isGo: true), .goroutineStacks)
        XCTAssertEqual(category(["worker"], stackTouch: true), .threadStacks)
        XCTAssertEqual(category(["worker"], region: Region(creator: ["__mmap", "allocate_stack"], threadStack: true)), .threadStacks)
        XCTAssertEqual(category(["main"], region: Region(creator: nil, name: "[stack]")), .threadStacks)
    }

    func testMallocHeapAndExplicitMmapInC() {
        XCTAssertEqual(category(["heap_leak"], region: Region(creator: ["__brk", "sbrk", "sysmalloc", "malloc", "heap_leak"], sharedHeap: true)), .mallocHeap)
        XCTAssertEqual(category(["user"], region: Region(creator: ["__mmap", "sysmalloc", "_int_malloc", "malloc@@GLIBC_2.2.5", "user"])), .mallocHeap)
        XCTAssertEqual(category(["grow_cache"], region: Region(creator: ["__mmap", "grow_cache", "main"])), .offHeapMmap)
        XCTAssertEqual(category(["x"], region: Region(creator: nil, name: "[heap]")), .mallocHeap)
        XCTAssertEqual(category(["_int_malloc", "malloc"]), .mallocHeap)
        XCTAssertEqual(category(["_dl_relocate_object"]), .other)
    }

    func testGoCodeOnUnknownMemoryCountsAsHeap() {
        XCTAssertEqual(category(["main.fill"], isGo: true), .goHeap)
        XCTAssertEqual(category(["runtime.schedinit"], isGo: true), .goRuntime)
    }
}

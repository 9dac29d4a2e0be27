@testable import MemhoundAccounting
@testable import MemhoundAgent
import MemhoundOutput
import XCTest

final class CategoryRulesTests: XCTestCase {
    typealias Region = CategoryRules.Region

    static let app = "/usr/bin/app"
    static let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
    static let jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
    static let tcmalloc = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"

    /// A frame of `module`; nil: a frame the symbol tables do not name (module+offset).
    func frame(_ function: String?, _ module: String = app, mangled: String? = nil, inlined: Bool = false) -> Frame {
        Frame(address: "0x7f0000001000", function: function, module: module, offset: "0x94b5a", inlined: inlined, mangled: mangled)
    }

    /// Frames of the program's own binary, leaf first.
    func frames(_ names: [String]) -> [Frame] { names.map { frame($0) } }

    func region(_ creator: [String]?, sharedHeap: Bool = false, threadStack: Bool = false, name: String? = nil) -> Region {
        Region(creator: creator.map(frames), sharedHeap: sharedHeap, threadStack: threadStack, name: name)
    }

    func category(_ faulting: [String], isGo: Bool = false, stackTouch: Bool = false, region: Region? = nil) -> MemoryCategory {
        category(frames(faulting), isGo: isGo, stackTouch: stackTouch, region: region)
    }

    func category(_ faulting: [Frame], isGo: Bool = false, stackTouch: Bool = false, region: Region? = nil) -> MemoryCategory {
        CategoryRules.category(stackTouch: stackTouch, isGo: isGo, faulting: faulting, region: region)
    }

    /// A stripped CPython: the arena's creator is an unnamed interpreter frame right above libc's mmap;
    /// mmap.mmap's frames lie in its extension module instead.
    func testPymallocArenasOfAStrippedInterpreterAreMallocHeap() {
        let python = "/usr/bin/python3.11"
        let arena = Region(creator: [frame("__mmap", Self.libc), frame(nil, python), frame(nil, python), frame("PyTuple_New", python)])
        XCTAssertEqual(category([frame(nil, python), frame("PyTuple_New", python)], region: arena), .mallocHeap)
        let lib = Region(creator: [frame("mmap64", Self.libc), frame(nil, "/usr/lib/x86_64-linux-gnu/libpython3.12.so.1.0")])
        XCTAssertEqual(category([frame(nil, python)], region: lib), .mallocHeap)
        let explicit = Region(creator: [frame("__mmap", Self.libc),
                                        frame(nil, "/usr/lib/python3.11/lib-dynload/mmap.cpython-311-x86_64-linux-gnu.so"),
                                        frame("_PyEval_EvalFrameDefault", python)])
        XCTAssertEqual(category([frame(nil, python)], region: explicit), .offHeapMmap)
    }

    func testGoHeapRuntimeAndOffHeapByTheRegionCreator() {
        let arena = region(["runtime.sysMmap", "runtime.mmap", "runtime.sysMap", "runtime.(*mheap).grow"])
        XCTAssertEqual(category(["main.growHeap", "main.main"], isGo: true, region: arena), .goHeap)
        let metadata = region(["runtime.sysAlloc", "runtime.persistentalloc1"])
        XCTAssertEqual(category(["runtime.(*spanSet).push"], isGo: true, region: metadata), .goRuntime)
        let explicit = region(["syscall.Syscall6", "syscall.mmap", "syscall.(*mmapper).Mmap", "syscall.Mmap", "main.grow"])
        XCTAssertEqual(category(["main.grow"], isGo: true, region: explicit), .offHeapMmap)
    }

    func testStacks() {
        XCTAssertEqual(category(["main.deep"], isGo: true, stackTouch: true), .goroutineStacks)
        XCTAssertEqual(category(["runtime.memmove", "runtime.copystack", "runtime.newstack"], isGo: true), .goroutineStacks)
        XCTAssertEqual(category(["worker"], stackTouch: true), .threadStacks)
        XCTAssertEqual(category(["worker"], region: region(["__mmap", "allocate_stack"], threadStack: true)), .threadStacks)
        XCTAssertEqual(category(["main"], region: region(nil, name: "[stack]")), .threadStacks)
    }

    func testMallocHeapAndExplicitMmapInC() {
        XCTAssertEqual(category(["heap_leak"], region: region(["__brk", "sbrk", "sysmalloc", "malloc", "heap_leak"], sharedHeap: true)), .mallocHeap)
        XCTAssertEqual(category(["user"], region: region(["__mmap", "sysmalloc", "_int_malloc", "malloc@@GLIBC_2.2.5", "user"])), .mallocHeap)
        XCTAssertEqual(category(["grow_cache"], region: region(["__mmap", "grow_cache", "main"])), .offHeapMmap)
        XCTAssertEqual(category(["x"], region: region(nil, name: "[heap]")), .mallocHeap)
        XCTAssertEqual(category(["_int_malloc", "malloc"]), .mallocHeap)
        XCTAssertEqual(category(["_dl_relocate_object"]), .other)
    }

    func testGoCodeOnUnknownMemoryCountsAsHeap() {
        XCTAssertEqual(category(["main.fill"], isGo: true), .goHeap)
        XCTAssertEqual(category(["runtime.schedinit"], isGo: true), .goRuntime)
    }

    // MARK: Allocators

    /// Debian's redis-server: jemalloc's internals have no symbols, its frames are bare offsets.
    func testJemallocFramesWithoutSymbolsMakeMallocHeap() {
        let extent = Region(creator: [frame("__mmap", Self.libc), frame(nil, Self.jemalloc), frame(nil, Self.jemalloc),
                                      frame("malloc", Self.jemalloc), frame("_sdsnewlen", "/usr/bin/redis-server"),
                                      frame("createStringObject", "/usr/bin/redis-server")])
        let touch = [frame("__memmove_avx_unaligned_erms", Self.libc), frame("_sdsnewlen", "/usr/bin/redis-server"),
                     frame("dictAddRaw", "/usr/bin/redis-server")]
        XCTAssertEqual(category(touch, region: extent), .mallocHeap, "an extent jemalloc mapped")
        let unnamedOnly = Region(creator: [frame("__mmap", Self.libc), frame(nil, Self.jemalloc), frame(nil, Self.jemalloc)])
        XCTAssertEqual(category(touch, region: unnamedOnly), .mallocHeap, "the allocator's frames alone, cut short")
        XCTAssertEqual(category([frame(nil, Self.jemalloc), frame("zcalloc", "/usr/bin/redis-server")]), .mallocHeap,
                       "jemalloc's own code touching memory of unknown origin")
        // Its exported and prefixed names, wherever it is linked.
        for name in ["je_malloc", "je_arena_malloc_hard", "je_extent_alloc_wrapper", "mallocx", "rallocx", "_rjem_je_pages_map"] {
            XCTAssertTrue(CategoryRules.isAllocator(frame(name)), name)
        }
        // Not an allocator: other libraries' frames without symbols, a mapping in a library.
        let library = Region(creator: [frame("__mmap", Self.libc), frame(nil, "/usr/lib/x86_64-linux-gnu/libzstd.so.1")])
        XCTAssertEqual(category([frame("compress", "/usr/bin/app")], region: library), .offHeapMmap)
        XCTAssertFalse(CategoryRules.isAllocator(frame(nil, Self.libc)))
        XCTAssertFalse(CategoryRules.isAllocator(frame(nil, "/usr/lib/libjemalloc-wrapper-not/libfoo.so")))
    }

    func testTcmallocAndMimallocByNameAndLibrary() {
        let tc = Region(creator: [frame("__mmap", Self.libc),
                                  frame("TCMalloc_SystemAlloc(unsigned long, unsigned long*, unsigned long)", Self.tcmalloc,
                                        mangled: "_Z20TCMalloc_SystemAllocmPmm"),
                                  frame("tcmalloc::PageHeap::GrowHeap(unsigned long)", Self.tcmalloc), frame(nil, Self.tcmalloc),
                                  frame("tc_new", Self.tcmalloc), frame("index_insert")])
        XCTAssertEqual(category(["index_insert", "main"], region: tc), .mallocHeap)
        for module in ["/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4", Self.tcmalloc,
                       "/usr/lib/x86_64-linux-gnu/libtcmalloc_and_profiler.so.4", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2",
                       Self.jemalloc, "/usr/local/lib/libjemalloc.so"] {
            XCTAssertTrue(CategoryRules.isAllocator(frame(nil, module)), module)
            XCTAssertTrue(CategoryRules.isAllocator(frame("some_internal_function", module)), module)
        }
        // tcmalloc or mimalloc linked into the binary: by their names.
        for name in ["tc_malloc", "tc_newarray", "tcmalloc::CentralFreeList::Populate()", "tcmalloc::tcmalloc_internal::SystemAlloc",
                     "_mi_malloc_generic", "mi_malloc_aligned", "mi_heap_malloc", "_mi_os_alloc"] {
            XCTAssertTrue(CategoryRules.isAllocator(frame(name)), name)
        }
        XCTAssertTrue(CategoryRules.isAllocator(frame("operator new(unsigned long)", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                                                      mangled: "_Znwm")))
        XCTAssertTrue(CategoryRules.isAllocator(frame(nil, "/usr/bin/app", mangled: "_ZnamRKSt9nothrow_t")))
        for name in ["tc_init_device", "mix_malloc_stats", "index_insert", "std::vector<int>::push_back(int const&)", "main.malloc"] {
            XCTAssertFalse(CategoryRules.isAllocator(frame(name)), name)
        }
    }

    /// CPython 3.11 keeping small objects: pymalloc's arenas, mapped by _PyObject_ArenaMmap.
    func testPymallocArenas() {
        let python = "/usr/bin/python3.11"
        let arena = Region(creator: [frame("__mmap", Self.libc), frame("_PyObject_ArenaMmap", python), frame("new_arena", python, inlined: true),
                                     frame("allocate_from_new_pool", python, inlined: true), frame("pymalloc_alloc", python, inlined: true),
                                     frame("_PyObject_Malloc", python), frame("PyBytes_FromStringAndSize", python),
                                     frame("bytes_new", python)])
        XCTAssertEqual(category([frame("bytes_new", python), frame("type_call", python)], region: arena), .mallocHeap)
        // Objects over 512 bytes go to the raw allocator: PyMem_RawMalloc over glibc's malloc.
        XCTAssertEqual(category([frame("__memset_avx2_unaligned_erms", Self.libc), frame("_PyMem_RawMalloc", python),
                                 frame("PyMem_RawMalloc", python), frame("bytes_new", python)]), .mallocHeap)
        for name in ["PyObject_Malloc", "PyMem_Malloc", "PyMem_RawCalloc", "_PyMem_DebugRawAlloc", "pymalloc_alloc.lto_priv.0"] {
            XCTAssertTrue(CategoryRules.isAllocator(frame(name, python)), name)
        }
        XCTAssertFalse(CategoryRules.isAllocator(frame("_PyObject_GC_New", python)), "an object constructor, not the allocator")
    }

    func testTheTouchingAllocatorDecidesWhenTheCreatorsStackIsCut() {
        // glibc without frame pointers: the mapping's creator stack stops in libc.
        let cut = Region(creator: [frame("__mmap", Self.libc)])
        XCTAssertEqual(category([frame("_int_malloc", Self.libc), frame("malloc", Self.libc), frame("user")], region: cut), .mallocHeap)
        XCTAssertEqual(category([frame("_int_malloc", Self.libc), frame("malloc", Self.libc), frame("keep_c")], isGo: true, region: cut),
                       .mallocHeap)
        XCTAssertEqual(category([frame("user")], region: cut), .offHeapMmap)
    }

    func testTheBrkHeapIsMallocHeapInGoToo() {
        let brk = Region(creator: [frame("__brk", Self.libc), frame("__sbrk", Self.libc)], sharedHeap: true)
        XCTAssertEqual(category([frame("keep_c")], isGo: true, region: brk), .mallocHeap)
    }

    // MARK: cgo

    /// Go 1.19, `main.leakC` calling C's `keep_c` through cgo, which mallocs. The C wrapper
    /// `_cgo_<hash>_Cfunc_keep_c` ends in a tail call, so keep_c returns to runtime.asmcgocall.
    func cgoMalloc(leaf: [Frame]) -> [Frame] {
        leaf + [frame("keep_c"), frame("runtime.asmcgocall"), frame("runtime.cgocall"), frame("main._Cfunc_keep_c"),
                frame("main.leakC"), frame("main.main"), frame("runtime.main"), frame("runtime.goexit")]
    }

    func testCgoCallsAreRecognisedByTheirTransitionFrames() {
        let touch = cgoMalloc(leaf: [frame("__memset_avx2_unaligned_erms", Self.libc)])
        XCTAssertTrue(CategoryRules.isCalledThroughCgo(touch))
        XCTAssertTrue(CategoryRules.isCalledThroughCgo(Array(touch.dropFirst())), "C code of the program's own binary")
        // The wrapper cgo generates, when the C function was inlined into it or the call is no tail call.
        XCTAssertTrue(CategoryRules.isCalledThroughCgo(frames(["_cgo_40df0b1be101_Cfunc_keep_c", "runtime.asmcgocall.abi0"])))
        XCTAssertTrue(CategoryRules.isCalledThroughCgo(frames(["keep_c", "_cgo_40df0b1be101_Cfunc_keep_c", "runtime.asmcgocall.abi0",
                                                                "runtime.cgocall", "main._Cfunc_keep_c"])))
        // Frame pointers lost past the switch to the system stack: garbage above asmcgocall.
        XCTAssertTrue(CategoryRules.isCalledThroughCgo([frame(nil, Self.libc), frame("keep_c"), frame("runtime.asmcgocall"),
                                                        frame("runtime.SetFinalizer.func2"), frame(nil, "[unknown]")]))
        // net's resolver: libc's getaddrinfo through `_C2func_`.
        XCTAssertTrue(CategoryRules.isCalledThroughCgo([frame("malloc", Self.libc), frame("getaddrinfo", Self.libc),
                                                        frame("_cgo_26061493d47f_C2func_getaddrinfo"), frame("runtime.asmcgocall"),
                                                        frame("runtime.cgocall"), frame("net._C2func_getaddrinfo")]))
        // C called from a Go callback that C called.
        let nested = frames(["keep_c", "runtime.asmcgocall", "runtime.cgocall", "main._Cfunc_keep_c", "main.goCallback",
                             "_cgoexp_40df0b1be101_goCallback", "runtime.cgocallbackg1", "runtime.cgocallbackg",
                             "runtime.cgocallback.abi0", "crosscall2", "goCallback", "call_back", "runtime.asmcgocall",
                             "runtime.cgocall", "main._Cfunc_call_back", "main.main"])
        XCTAssertTrue(CategoryRules.isCalledThroughCgo(nested))
    }

    func testGoCodeAndTheRuntimesOwnCCallsAreNotCgo() {
        XCTAssertFalse(CategoryRules.isCalledThroughCgo(frames(["main.fill", "main.main", "runtime.main"])))
        XCTAssertFalse(CategoryRules.isCalledThroughCgo(frames(["keep_c", "worker", "start_thread"])), "no transition on the stack")
        // Go code in a callback from C.
        let callback = frames(["runtime.memclrNoHeapPointers", "runtime.mallocgc", "runtime.makeslice", "main.goCallback",
                               "_cgoexp_40df0b1be101_goCallback", "runtime.cgocallbackg1", "runtime.cgocallbackg",
                               "runtime.cgocallback.abi0", "crosscall2", "goCallback", "call_back", "runtime.asmcgocall",
                               "runtime.cgocall", "main._Cfunc_call_back", "main.main"])
        XCTAssertFalse(CategoryRules.isCalledThroughCgo(callback))
        XCTAssertEqual(category(callback, isGo: true), .goHeap)
        // The runtime mapping heap arenas through libc (a binary that links runtime/cgo).
        let arena = Region(creator: [frame("__mmap", Self.libc)] + frames(["x_cgo_mmap", "runtime.callCgoMmap.abi0", "runtime.mmap.func1",
                                                                            "runtime.systemstack", "runtime.mmap", "runtime.sysReserveOS",
                                                                            "runtime.sysReserve", "runtime.(*mheap).sysAlloc",
                                                                            "runtime.(*mheap).grow", "runtime.(*mheap).allocSpan"]))
        XCTAssertFalse(CategoryRules.isCalledThroughCgo(arena.creator!))
        XCTAssertEqual(category(["main.fill"], isGo: true, region: arena), .goHeap)
        XCTAssertFalse(CategoryRules.isCalledThroughCgo([frame("__mmap", Self.libc), frame("allocate_stack", Self.libc),
                                                         frame("pthread_create", Self.libc)]
                                                            + frames(["_cgo_try_pthread_create", "_cgo_sys_thread_start",
                                                                      "x_cgo_thread_start", "runtime.asmcgocall", "runtime.newm1"])))
        // C.GoString copies C memory into the Go heap: Go code under a `_Cfunc_` stub.
        XCTAssertFalse(CategoryRules.isCalledThroughCgo(frames(["runtime.memmove", "runtime.gostring", "main._Cfunc_GoString", "main.f"])))
        XCTAssertFalse(CategoryRules.isCalledThroughCgo(frames(["runtime.cgocall", "main._Cfunc_keep_c"])), "Go code of the call itself")
    }

    func testCgoFrameRoles() {
        let roles: [(String, CategoryRules.CgoFrame?)] = [
            ("runtime.cgocall", .intoC), ("runtime.asmcgocall.abi0", .intoC), ("main._Cfunc_keep_c", .intoC),
            ("net._C2func_getaddrinfo", .intoC), ("main._cgo_cmalloc", .intoC),
            ("_cgo_40df0b1be101_Cfunc_keep_c", .cWrapper), ("_cgo_26061493d47f_C2func_getaddrinfo", .cWrapper),
            ("crosscall2", .intoGo), ("runtime.cgocallback.abi0", .intoGo), ("runtime.cgocallbackg1", .intoGo),
            ("_cgoexp_40df0b1be101_goCallback", .intoGo), ("main._cgoexpwrap_40df0b1be101_goCallback", .intoGo),
            ("x_cgo_mmap", .runtimeC), ("runtime.callCgoMmap", .runtimeC), ("_cgo_try_pthread_create", .runtimeC),
            ("crosscall_amd64", .runtimeC), ("crosscall1", .runtimeC), ("threadentry", .runtimeC),
            ("main.main", nil), ("runtime.mallocgc", nil), ("keep_c", nil), ("cgo_helper_in_c", nil), ("", nil),
        ]
        for (name, role) in roles { XCTAssertEqual(CategoryRules.cgoFrame(name), role, name) }
    }

    func testCMemoryUnderCgoIsCategorisedAsInC() {
        // malloc under cgo: malloc_heap, and a cgo site.
        let chunk = Region(creator: cgoMalloc(leaf: [frame("__mmap", Self.libc), frame("sysmalloc", Self.libc),
                                                     frame("_int_malloc", Self.libc), frame("malloc", Self.libc)]))
        let touch = cgoMalloc(leaf: [frame("__memset_avx2_unaligned_erms", Self.libc)])
        XCTAssertEqual(category(touch, isGo: true, region: chunk), .mallocHeap)
        XCTAssertTrue(CategoryRules.isCgo(isGo: true, frames: touch, category: .mallocHeap))
        // C code mapping memory itself: off-heap, not the Go runtime's (runtime.cgocall is on its stack).
        let mapped = Region(creator: [frame("__mmap", Self.libc)]
                                + frames(["map_buffer", "runtime.asmcgocall", "runtime.cgocall", "main._Cfunc_map_buffer", "main.main"]))
        let fill = frames(["map_buffer", "runtime.asmcgocall", "runtime.cgocall", "main._Cfunc_map_buffer", "main.main"])
        XCTAssertEqual(category(fill, isGo: true, region: mapped), .offHeapMmap)
        XCTAssertTrue(CategoryRules.isCgo(isGo: true, frames: fill, category: .offHeapMmap))
        // C code touching memory of unknown origin (its .bss): not the Go heap.
        XCTAssertEqual(category(fill, isGo: true), .other)
        XCTAssertTrue(CategoryRules.isCgo(isGo: true, frames: fill, category: .other))
        // C.CString: Go code copies into memory C's malloc returned.
        let cstring = frames(["runtime.memmove", "main._Cfunc_CString", "main.f"])
        let cmalloc = Region(creator: [frame("__mmap", Self.libc), frame("sysmalloc", Self.libc), frame("malloc", Self.libc)]
                                 + frames(["runtime.asmcgocall", "runtime.cgocall", "main._cgo_cmalloc", "main._Cfunc_CString", "main.f"]))
        XCTAssertEqual(category(cstring, isGo: true, region: cmalloc), .mallocHeap)
        XCTAssertTrue(CategoryRules.isCgo(isGo: true, frames: cstring, category: .mallocHeap))
    }

    func testTheCgoFlagIsForGoProgramsAndCMemoryOnly() {
        let touch = cgoMalloc(leaf: [])
        XCTAssertFalse(CategoryRules.isCgo(isGo: false, frames: touch, category: .mallocHeap), "C programs have no cgo")
        XCTAssertFalse(CategoryRules.isCgo(isGo: true, frames: touch, category: .goHeap))
        XCTAssertFalse(CategoryRules.isCgo(isGo: true, frames: frames(["main.fill"]), category: .offHeapMmap))
        XCTAssertTrue(CategoryRules.isCgo(isGo: true, frames: frames(["main.fill"]), category: .mallocHeap),
                      "the C allocator's memory in a Go program, its C callers cut short")
        XCTAssertTrue(CategoryRules.isCgo(isGo: true, frames: touch, category: .goroutineStacks), "C code deep on the system stack")
    }
}

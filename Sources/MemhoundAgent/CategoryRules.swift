import MemhoundAccounting
import MemhoundOutput

/// Decides the kind of memory a run of resident pages is, from the stack that
/// touched it and the region it lies in. Pure functions of frames (names and the
/// files they lie in), so the rules are tested directly; docs/design.md states them.
enum CategoryRules {
    /// The region (mapping) a run lies in, as far as it is known.
    struct Region {
        /// Frames of the stack that created it, leaf first (nil: created before tracing).
        var creator: [Frame]?
        var sharedHeap = false
        var threadStack = false
        /// The /proc/PID/maps name of a region made before tracing: "[heap]", "[stack]".
        var name: String?
    }

    static func category(stackTouch: Bool, isGo: Bool, faulting: [Frame], region: Region?) -> MemoryCategory {
        if stackTouch || isStackGrowth(faulting, isGo: isGo) {
            return isGo ? .goroutineStacks : .threadStacks
        }
        if let region, let kind = regionCategory(region, faulting: faulting, isGo: isGo) { return kind }
        return framesCategory(faulting, isGo: isGo)
    }

    private static func regionCategory(_ r: Region, faulting: [Frame], isGo: Bool) -> MemoryCategory? {
        if r.name == "[stack]" || r.threadStack { return isGo ? .goroutineStacks : .threadStacks }
        if r.name == "[heap]" { return .mallocHeap }
        guard let creator = r.creator else { return nil }
        // An allocator made the region, or is the code touching it (its creator's stack may be cut short).
        if creator.contains(where: isAllocator) || faulting.contains(where: isAllocator) { return .mallocHeap }
        if isPymallocArena(creator) { return .mallocHeap }
        if creator.contains(where: { $0.function.map(isExplicitMmap) == true }) { return .offHeapMmap }
        // C code called through cgo is judged as C code, below: the Go frames above the call
        // (runtime.cgocall) say nothing about what the C code maps.
        if isGo, !isCalledThroughCgo(creator) {
            let names = creator.compactMap(\.function)
            if names.contains(where: { goHeapGrowth.contains($0) }) { return .goHeap }
            if names.contains(where: { $0.hasPrefix("runtime.") }) { return .goRuntime }
            return .offHeapMmap
        }
        if creator.contains(where: { $0.function.map(isThreadCreation) == true }) { return .threadStacks }
        return r.sharedHeap ? .mallocHeap : .offHeapMmap
    }

    /// Without a known region: what the touching code says.
    private static func framesCategory(_ f: [Frame], isGo: Bool) -> MemoryCategory {
        if f.contains(where: isAllocator) { return .mallocHeap }
        if isGo {
            // C code under cgo touching memory of unknown origin: as in a C program.
            if isCalledThroughCgo(f) { return .other }
            let names = f.compactMap(\.function)
            if names.contains("runtime.mallocgc") { return .goHeap }
            if let leaf = names.first, leaf.hasPrefix("runtime.") { return .goRuntime }
            // User Go code touching memory of unknown origin: the heap is where Go code's memory lives.
            return .goHeap
        }
        return .other
    }

    private static func isStackGrowth(_ f: [Frame], isGo: Bool) -> Bool {
        isGo && f.contains { $0.function.map(goStackFunctions.contains) == true }
    }

    private static func isExplicitMmap(_ name: String) -> Bool {
        ["syscall.Mmap", "syscall.mmap", "golang.org/x/sys/unix.Mmap", "golang.org/x/sys/unix.mmap",
         "syscall.(*mmapper).Mmap"].contains(name)
    }

    private static func isThreadCreation(_ name: String) -> Bool {
        name.hasPrefix("pthread_create") || name == "allocate_stack" || name == "create_thread"
    }

    static let goHeapGrowth: Set<String> = [
        "runtime.(*mheap).grow", "runtime.(*mheap).sysAlloc", "runtime.sysMap", "runtime.(*mheap).allocSpan",
    ]

    static let goStackFunctions: Set<String> = [
        "runtime.newstack", "runtime.copystack", "runtime.stackalloc", "runtime.stackcacherefill",
        "runtime.stackpoolalloc", "runtime.malg", "runtime.morestack",
    ]
}

// MARK: - Allocators

extension CategoryRules {
    /// Whether a frame is code of a memory allocator: a function of one (by its name, or its
    /// symbol as the binary spells it), or any code of a library that is nothing but an
    /// allocator, named or not (Debian's libjemalloc has no symbols for its internals).
    static func isAllocator(_ f: Frame) -> Bool {
        isAllocatorLibrary(f.module) || f.function.map(isAllocatorFunction) == true
            || f.mangled.map(isAllocatorFunction) == true
    }

    /// A file whose code is all allocator: jemalloc, tcmalloc (gperftools' libtcmalloc,
    /// libtcmalloc_minimal, libtcmalloc_and_profiler, the debug variants), mimalloc.
    /// CPython maps anonymous memory from the interpreter's own code only for pymalloc's arenas
    /// (`mmap.mmap` lives in an extension module): the first frame above the C library's mmap is in
    /// the python3.X executable or libpython3.X. Distribution builds strip `_PyObject_ArenaMmap`'s name.
    static func isPymallocArena(_ creator: [Frame]) -> Bool {
        guard let caller = creator.first(where: { !isCLibrary($0.module) && !$0.inlined }) else { return false }
        let name = basename(caller.module)
        return name.hasPrefix("python3") || name.hasPrefix("libpython3")
    }

    private static func basename(_ module: String) -> Substring {
        module.split(separator: "/").last ?? Substring(module)
    }

    private static func isCLibrary(_ module: String) -> Bool {
        let name = basename(module)
        return name.hasPrefix("libc.so") || name.hasPrefix("libc-")
    }

    static func isAllocatorLibrary(_ module: String) -> Bool {
        let path = module.utf8
        let file = path.lastIndex(of: UInt8(ascii: "/")).map { path.index(after: $0) } ?? path.startIndex
        return allocatorLibraries.hasPrefix(module[file...])
    }

    /// Whether a function (or symbol) name is an allocator's: it starts with one of their prefixes,
    /// or is one of their whole names once its symbol version (`@@GLIBC_2.2.5`) and compiler clone
    /// suffixes (`.constprop.0`, `.isra.0`, `.part.0`, `.cold`) are cut.
    static func isAllocatorFunction(_ name: String) -> Bool {
        if allocatorPrefixes.hasPrefix(name[...]) { return true }
        let bytes = name.utf8
        let end = bytes.firstIndex { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: ".") } ?? bytes.endIndex
        return allocatorFunctions.contains(name[..<end])
    }

    static let allocatorLibraries = PrefixSet(["libjemalloc", "libtcmalloc", "libmimalloc"])

    /// Whole names (without version and clone suffixes).
    static let allocatorFunctions: Set<Substring> = [
        // glibc's malloc, its internals, and the brk heap only an allocator grows
        "malloc", "calloc", "realloc", "reallocarray", "free", "cfree", "memalign", "posix_memalign",
        "aligned_alloc", "valloc", "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_free",
        "__libc_memalign", "__libc_valloc", "__libc_pvalloc", "__libc_reallocarray", "__posix_memalign",
        "_mid_memalign", "_int_malloc", "_int_free", "_int_realloc", "_int_memalign", "sysmalloc", "sysmalloc_mmap",
        "malloc_consolidate", "tcache_init", "ptmalloc_init", "new_heap", "alloc_new_heap", "grow_heap",
        "shrink_heap", "heap_trim", "systrim", "mremap_chunk", "arena_get2", "arena_get_retry", "_int_new_arena",
        "sbrk", "__sbrk", "brk", "__brk", "__default_morecore", "__glibc_morecore",
        // the dynamic loader's allocator (before libc's is in place)
        "__minimal_malloc", "__minimal_calloc", "__minimal_realloc",
        // jemalloc's exported names (Debian's libjemalloc exports them unprefixed)
        "mallocx", "rallocx", "xallocx", "dallocx", "sdallocx",
        // CPython's object allocator (pymalloc) and its arenas
        "PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc", "_PyObject_Malloc", "_PyObject_Calloc",
        "_PyObject_Realloc", "pymalloc_alloc", "pymalloc_realloc", "allocate_from_new_pool", "new_arena",
        "_PyObject_ArenaMmap", "_PyObject_ArenaMalloc", "_PyObject_ArenaVirtualAlloc",
    ]

    /// Name prefixes: C++ `operator new` (demangled and as the binary spells it), prefixed
    /// jemalloc (`je_`, and Rust's tikv-jemallocator `_rjem_`), tcmalloc, mimalloc, CPython's
    /// `PyMem_*`.
    static let allocatorPrefixes = PrefixSet([
        "operator new", "_Znwm", "_Znam", "_Znwj", "_Znaj",
        "je_", "_rjem_",
        "tc_malloc", "tc_calloc", "tc_realloc", "tc_memalign", "tc_posix_memalign", "tc_valloc", "tc_pvalloc",
        "tc_new", "tc_free", "tc_cfree", "tc_delete", "tcmalloc::", "TCMalloc",
        "_mi_", "mi_malloc", "mi_zalloc", "mi_calloc", "mi_realloc", "mi_rezalloc", "mi_recalloc", "mi_new",
        "mi_heap_malloc", "mi_heap_zalloc", "mi_heap_calloc", "mi_heap_realloc",
        "PyMem_", "_PyMem_",
    ])
}

/// Strings to test names against by prefix, grouped by first byte: reports ask it of every
/// site's leading frames, so a name costs a lookup and a comparison or two, not one per prefix.
struct PrefixSet: Sendable {
    private var byFirstByte: [UInt8: [[UInt8]]] = [:]

    init(_ prefixes: [String]) {
        for p in prefixes where !p.isEmpty { byFirstByte[p.utf8.first!, default: []].append(Array(p.utf8)) }
    }

    /// Whether `s` starts with one of the prefixes.
    func hasPrefix(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, let candidates = byFirstByte[first] else { return false }
        return candidates.contains { s.utf8.starts(with: $0) }
    }
}

// MARK: - cgo

extension CategoryRules {
    /// What a frame of a Go process is to a cgo call (Go 1.12 and later; names may end in `.abi0`).
    enum CgoFrame {
        /// Go entering C: the `_Cfunc_` stub cgo generates, runtime.cgocall, runtime.asmcgocall.
        case intoC
        /// The C wrapper cgo generates for a C function (`_cgo_<hash>_Cfunc_<name>`): C code itself.
        case cWrapper
        /// C entering Go, a callback into an exported Go function (crosscall2, `_cgoexp_`,
        /// runtime.cgocallback): the code below it is Go again.
        case intoGo
        /// The runtime's own C calls (x_cgo_mmap, x_cgo_thread_start, runtime.callCgoMmap, ...) and
        /// thread start: the Go runtime's work, not the program's.
        case runtimeC
    }

    static func cgoFrame(_ name: String) -> CgoFrame? {
        guard mayBeCgo(name) else { return nil }
        if name.hasPrefix("runtime.cgocallback") || name == "crosscall2" || name.contains("_cgoexp") { return .intoGo }
        if name.hasPrefix("_cgo_") {
            return name.contains("_Cfunc_") || name.contains("_C2func_") ? .cWrapper : .runtimeC
        }
        if name.hasPrefix("x_cgo_") || name.hasPrefix("runtime.callCgo") || name.hasPrefix("crosscall_")
            || name == "crosscall1" || name == "threadentry" {
            return .runtimeC
        }
        if name.hasPrefix("runtime.asmcgocall") || name == "runtime.cgocall" || name.hasPrefix("runtime.cgocall.")
            || name.contains("._Cfunc_") || name.contains("._C2func_") || name.hasSuffix("._cgo_cmalloc") {
            return .intoC
        }
        return nil
    }

    /// Whether the code at the leaf of `frames` (leaf first) is C code that Go called through
    /// cgo: below (leafward of) the nearest cgo transition, which enters C, runs code that is not
    /// Go's runtime. Go code in a callback from C, and the runtime's own C calls, are not.
    static func isCalledThroughCgo(_ frames: [Frame]) -> Bool {
        var ranC = false
        for f in frames {
            // A frame without a name is not Go code (Go binaries name every function).
            guard let name = f.function else { ranC = true; continue }
            switch cgoFrame(name) {
            case .intoGo?, .runtimeC?: return false
            case .cWrapper?: return true
            // The `_Cfunc_` stubs also run Go code of their own (C.GoString copies into the Go heap).
            case .intoC?: return ranC
            case nil: if !isGoRuntime(name) { ranC = true }
            }
        }
        return false
    }

    /// Whether a site of a process is memory grown by C code through cgo (a site's `cgo`): in a Go
    /// process, memory the C allocator manages (only C code uses it there, reached through cgo)
    /// and any other memory but the Go heap and runtime that C code called through cgo grew.
    static func isCgo(isGo: Bool, frames: [Frame], category: MemoryCategory) -> Bool {
        guard isGo else { return false }
        switch category {
        case .mallocHeap: return true
        case .goHeap, .goRuntime: return false
        case .goroutineStacks, .threadStacks, .offHeapMmap, .other: return isCalledThroughCgo(frames)
        }
    }

    /// Whether `name` may be a cgo frame at all: every one has "cgo" or "Cgo" in it (cgocall,
    /// `_cgo_`, `x_cgo_`, callCgoMmap, `_cgoexp_`), "Cfunc_" or "2func_" (the stubs and wrappers),
    /// or is crosscall* or threadentry. One pass over the bytes: reports ask it of whole stacks.
    private static func mayBeCgo(_ name: String) -> Bool {
        var window: UInt64 = 0
        for byte in name.utf8 {
            window = window << 8 | UInt64(byte)
            if window & 0xFF_FFFF == cgo || window & 0xFF_FFFF == capitalCgo { return true }
            if window & 0xFFFF_FFFF_FFFF == cfunc || window & 0xFFFF_FFFF_FFFF == c2func { return true }
        }
        return name.hasPrefix("crosscall") || name == "threadentry"
    }

    private static let cgo = bytes("cgo"), capitalCgo = bytes("Cgo"), cfunc = bytes("Cfunc_"), c2func = bytes("2func_")

    private static func bytes(_ s: String) -> UInt64 { s.utf8.reduce(0) { $0 << 8 | UInt64($1) } }

    private static func isGoRuntime(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "r") || first == UInt8(ascii: "i") else { return false }
        return name.hasPrefix("runtime.") || name.hasPrefix("runtime/") || name.hasPrefix("internal/")
    }
}

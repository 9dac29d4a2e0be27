import MemhoundAccounting

/// Decides the kind of memory a run of resident pages is, from the stack that
/// touched it and the region it lies in. Pure functions of names, so the rules
/// are tested directly; docs/design.md states them.
enum CategoryRules {
    /// The region (mapping) a run lies in, as far as it is known.
    struct Region {
        /// Functions of the stack that created it (nil: created before tracing).
        var creator: [String]?
        var sharedHeap = false
        var threadStack = false
        /// The /proc/PID/maps name of a region made before tracing: "[heap]", "[stack]".
        var name: String?
    }

    static func category(stackTouch: Bool, isGo: Bool, faulting: [String], region: Region?) -> MemoryCategory {
        if stackTouch || isStackGrowth(faulting, isGo: isGo) {
            return isGo ? .goroutineStacks : .threadStacks
        }
        if let region, let kind = regionCategory(region, isGo: isGo) { return kind }
        return framesCategory(faulting, isGo: isGo)
    }

    private static func regionCategory(_ r: Region, isGo: Bool) -> MemoryCategory? {
        if r.name == "[stack]" || r.threadStack { return isGo ? .goroutineStacks : .threadStacks }
        if r.name == "[heap]" { return .mallocHeap }
        guard let creator = r.creator else { return nil }
        if creator.contains(where: isMalloc) { return .mallocHeap }
        if creator.contains(where: isExplicitMmap) { return .offHeapMmap }
        if isGo {
            if creator.contains(where: { goHeapGrowth.contains($0) }) { return .goHeap }
            if creator.contains(where: { $0.hasPrefix("runtime.") }) { return .goRuntime }
            return .offHeapMmap
        }
        if creator.contains(where: isThreadCreation) { return .threadStacks }
        return r.sharedHeap ? .mallocHeap : .offHeapMmap
    }

    /// Without a known region: what the touching code says.
    private static func framesCategory(_ f: [String], isGo: Bool) -> MemoryCategory {
        if f.contains(where: isMalloc) { return .mallocHeap }
        if isGo {
            if f.contains(where: { $0 == "runtime.mallocgc" }) { return .goHeap }
            if let leaf = f.first, leaf.hasPrefix("runtime.") { return .goRuntime }
            // User Go code touching memory of unknown origin: the heap is where Go code's memory lives.
            return .goHeap
        }
        return .other
    }

    private static func isStackGrowth(_ f: [String], isGo: Bool) -> Bool {
        isGo && f.contains { goStackFunctions.contains($0) }
    }

    static func isMalloc(_ name: String) -> Bool {
        let base = baseName(name)
        return mallocFunctions.contains(base) || base.hasPrefix("operator new")
    }

    /// A symbol without its version (`@@GLIBC_2.2.5`) and compiler clone suffixes
    /// (`.constprop.0`, `.isra.0`, `.part.0`, `.cold`).
    static func baseName(_ name: String) -> String {
        let unversioned = name.split(separator: "@").first.map(String.init) ?? name
        return unversioned.split(separator: ".").first.map(String.init) ?? unversioned
    }

    private static func isExplicitMmap(_ name: String) -> Bool {
        ["syscall.Mmap", "syscall.mmap", "golang.org/x/sys/unix.Mmap", "golang.org/x/sys/unix.mmap",
         "syscall.(*mmapper).Mmap"].contains(name)
    }

    private static func isThreadCreation(_ name: String) -> Bool {
        name.hasPrefix("pthread_create") || name == "allocate_stack" || name == "create_thread"
    }

    static let mallocFunctions: Set<String> = [
        "malloc", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign", "aligned_alloc", "valloc",
        "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign", "_int_malloc",
        "_int_realloc", "_int_memalign", "sysmalloc", "sysmalloc_mmap", "new_heap", "alloc_new_heap", "arena_get2",
        "_Znwm", "_Znam", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
    ]

    static let goHeapGrowth: Set<String> = [
        "runtime.(*mheap).grow", "runtime.(*mheap).sysAlloc", "runtime.sysMap", "runtime.(*mheap).allocSpan",
    ]

    static let goStackFunctions: Set<String> = [
        "runtime.newstack", "runtime.copystack", "runtime.stackalloc", "runtime.stackcacherefill",
        "runtime.stackpoolalloc", "runtime.malg", "runtime.morestack",
    ]
}

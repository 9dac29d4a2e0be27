import MemhoundOutput

/// A call site: what a report's `sites` entry stands for and sums over. It is a chain of
/// concrete function names, leaf first, and many session stacks (StackName) may make one site:
///
/// - Leading frames inside syscall wrappers, the C library (mmap64, memset, malloc internals)
///   and allocators (operator new, jemalloc, tcmalloc, pymalloc: CategoryRules.isAllocator) are
///   left out, so that an mmap call and the loop that touches its pages, or a malloc and its
///   caller's first write, are one site, named by the caller.
/// - Trailing process and thread start frames (`_start`, `__libc_start_main`, `start_thread`,
///   `clone3`) are left out too: CFI-unwound stacks reach them, frame-pointer stacks often
///   stop short.
/// - Inlined frames are shown but not part of the site, so the touching code's inlines and
///   the mmap call meet; stacks that differ only in return addresses inside the same
///   functions are one site.
public struct CallSite: Hashable, Sendable {
    public let functions: [String]

    public init(frames all: [Frame]) {
        let frames = all.contains { !$0.inlined } ? all.filter { !$0.inlined } : all
        let names = frames.map { $0.function ?? "\($0.module)+\($0.offset)" }
        let wrappers = frames.prefix { Self.isWrapper($0) || CategoryRules.isAllocator($0) }.count
        var trimmed = wrappers < names.count ? Array(names.dropFirst(wrappers)) : names
        while trimmed.count > 1, let last = trimmed.last, Self.isStartRoutine(last) { trimmed.removeLast() }
        functions = trimmed
    }

    /// A short name: its first function outside wrappers.
    public var name: String { functions.first ?? "[no stack]" }

    static func isStartRoutine(_ name: String) -> Bool {
        let base = name.split(separator: "@").first.map(String.init) ?? name
        return ["_start", "__libc_start_main", "__libc_start_call_main", "__libc_start_main_impl",
                "start_thread", "clone", "clone3", "__clone", "__clone3", "__clone_internal"].contains(base)
    }

    static func isWrapper(_ f: Frame) -> Bool {
        let module = f.module.split(separator: "/").last.map(String.init) ?? f.module
        if module.hasPrefix("libc.so") || module.hasPrefix("libc-") { return true }
        guard let name = f.function else { return false }
        return ["syscall.", "runtime/internal/syscall.", "internal/runtime/syscall.", "golang.org/x/sys/unix."]
            .contains { name.hasPrefix($0) }
    }
}

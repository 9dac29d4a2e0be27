import MemhoundABI
import CMemhoundELF
import MemhoundProc

/// Unwinds copied user stacks of one process with its binaries' CFI
/// (for code without frame pointers). Built from one maps snapshot.
final class DwarfUnwinder {
    private let handle: OpaquePointer

    init?(pid: Int32, mapsText: String, root: String) {
        var out: OpaquePointer?
        guard memhound_unwinder_open(mapsText, root, pid, &out) == 0, let out else { return nil }
        handle = out
    }

    deinit { memhound_unwinder_close(handle) }

    /// Program counters, leaf first; callers' entries are return addresses.
    func unwind(tid: Int32, registers: [UInt64], stack: [UInt8], depth: Int = 128) -> [UInt64] {
        guard registers.count == Int(MH_UNWIND_REGS) else { return [] }
        var pcs = [UInt64](repeating: 0, count: depth)
        let n = registers.withUnsafeBufferPointer { regs in
            stack.withUnsafeBufferPointer { bytes in
                pcs.withUnsafeMutableBufferPointer { out in
                    memhound_unwind(handle, tid, regs.baseAddress, bytes.baseAddress, bytes.count,
                                    out.baseAddress, UInt32(depth))
                }
            }
        }
        return Array(pcs.prefix(max(0, Int(n))))
    }
}

extension Symbolizer {
    /// Whether the process runs a Go program (Go keeps frame pointers and has no
    /// .eh_frame: its stacks are never unwound from copies). Nil when unreadable.
    public func isGoProgram(pid: Int32) -> Bool? {
        guard let exe = ElfFile(path: proc.path("proc/\(pid)/exe")) else { return nil }
        return exe.isGo
    }

    /// Whether the executable file at `path` is a Go program; nil when unreadable.
    public static func isGoExecutable(path: String) -> Bool? {
        ElfFile(path: path)?.isGo
    }

    /// The full stack of a syscall from its register and stack copy, unwound
    /// with CFI; empty when the process's modules cannot be opened.
    public func unwind(pid: Int32, tid: Int32, registers: [UInt64], stack: [UInt8]) -> [UInt64] {
        // Code mapped since the last snapshot (shared libraries at start-up) needs a fresh one.
        if registers.count > 16 { refreshIfNeeded(pid: pid, addresses: [registers[16]]) }
        guard let unwinder = unwinder(pid: pid) else { return [] }
        return unwinder.unwind(tid: tid, registers: registers, stack: stack)
    }

    /// Symbolizes a CFI-unwound stack (already complete: no frame-pointer repair).
    public func symbolizeUnwound(pid: Int32, pcs: [UInt64]) -> [SymbolizedFrame] {
        refreshIfNeeded(pid: pid, addresses: pcs)
        return pcs.enumerated().flatMap { i, pc in frames(pid: pid, address: pc, lookup: i == 0 ? pc : pc &- 1) }
    }
}

import Glibc
import MemhoundSymbols

/// GC cycles of traced Go programs (reports' `go_gc_cycles`, the gc_pressure alert).
extension Session {
    /// The runtime function run once per completed GC cycle (Go 1.5 on).
    static let goGCFunction = "runtime.gcMarkTermination"

    /// Makes sure the GC cycles of `pid`, a Go program, are counted: one uprobe per binary.
    func countGoGCCycles(pid: Int32) {
        processes[pid]?.countsGoGC = probeGoGC(binary: proc.path("proc/\(pid)/exe"), pid: pid)
    }

    /// Probes the Go binary at `path` unless done before; whether its cycles are counted.
    @discardableResult
    func probeGoGC(binary path: String, pid: Int32) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let binary = GoBinaryID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if goGCProbed[binary] == nil { goGCProbed[binary] = probeGoGC(path, pid: pid) }
        return goGCProbed[binary] == true
    }

    private func probeGoGC(_ exe: String, pid: Int32) -> Bool {
        guard let offset = GoSymbolTable.fileOffset(ofFunction: Self.goGCFunction, elfPath: exe) else {
            Diagnostics.warn("pid \(pid): \(Self.goGCFunction) not found in its binary: its GC cycles are not counted")
            return false
        }
        do { try tracer.countGoGCCycles(binary: exe, offset: offset) } catch {
            Diagnostics.warn("pid \(pid): its GC cycles are not counted: \(error.description)")
            return false
        }
        return true
    }
}

/// A binary, by the file it is (the same program in many containers is probed once).
struct GoBinaryID: Hashable {
    var device: UInt64
    var inode: UInt64
}

import Glibc
import MemhoundSymbols

/// GC cycles of traced Go programs (reports' `go_gc_cycles`, the gc_pressure alert).
extension Session {
    /// The runtime function run once per completed GC cycle (Go 1.5 on).
    static let goGCFunction = "runtime.gcMarkTermination"

    /// Makes sure the GC cycles of `pid`, a Go program, are counted: one uprobe per binary.
    func countGoGCCycles(pid: Int32) {
        let exe = proc.path("proc/\(pid)/exe")
        var st = stat()
        guard stat(exe, &st) == 0 else { return }
        let binary = GoBinaryID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        guard !goGCProbed.contains(binary) else { return }
        goGCProbed.insert(binary)
        guard let offset = GoSymbolTable.fileOffset(ofFunction: Self.goGCFunction, elfPath: exe) else {
            Diagnostics.warn("pid \(pid): \(Self.goGCFunction) not found in its binary: its GC cycles are not counted")
            return
        }
        do { try tracer.countGoGCCycles(binary: exe, offset: offset) } catch {
            Diagnostics.warn("pid \(pid): its GC cycles are not counted: \(error.description)")
        }
    }
}

/// A binary, by the file it is (the same program in many containers is probed once).
struct GoBinaryID: Hashable {
    var device: UInt64
    var inode: UInt64
}

import CMemhoundProcess
import MemhoundEvents
import MemhoundOutput

/// Raw event lines (--events) from decoded records.
enum EventLines {
    static func syscall(_ e: SyscallEvent, time: String, frames: [Frame]) -> SyscallLine {
        var line = SyscallLine(
            type: e.syscall.name, time: time, pid: e.tgid, tid: e.tid,
            durationNs: e.exitTime &- e.enterTime, anonDelta: e.anonDelta, frames: frames)
        let a = e.args
        if let err = e.errno {
            line.error = errnoName(err)
        } else {
            switch e.syscall {
            case .mmap, .mremap, .brk: line.result = hex(UInt64(bitPattern: e.result))
            default: line.result = String(e.result)
            }
        }
        switch e.syscall {
        case .mmap:
            line.addr = hex(a[0]); line.length = a[1]; line.prot = protection(a[2])
            line.flags = mapFlags(a[3]); line.fd = Int32(truncatingIfNeeded: a[4]); line.fileOffset = a[5]
        case .munmap:
            line.addr = hex(a[0]); line.length = a[1]
        case .mremap:
            line.addr = hex(a[0]); line.length = a[1]; line.newLength = a[2]; line.flags = remapFlags(a[3])
        case .brk:
            line.addr = hex(a[0])
        case .madvise:
            line.addr = hex(a[0]); line.length = a[1]; line.advice = adviceName(a[2])
        case .mprotect:
            line.addr = hex(a[0]); line.length = a[1]; line.prot = protection(a[2])
        }
        return line
    }

    static func growth(_ r: PageRun, time: String, frames: [Frame]) -> GrowthLine {
        GrowthLine(time: time, pid: r.tgid, tid: r.tid, start: hex(r.start), end: hex(r.end),
                   bytes: r.bytes, faults: r.faults, frames: frames)
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    static func protection(_ prot: UInt64) -> String {
        (prot & 1 != 0 ? "r" : "-") + (prot & 2 != 0 ? "w" : "-") + (prot & 4 != 0 ? "x" : "-")
    }

    private static let mapFlagNames: [(UInt64, String)] = [
        (0x01, "shared"), (0x02, "private"), (0x10, "fixed"), (0x20, "anonymous"),
        (0x100, "growsdown"), (0x2000, "locked"), (0x4000, "noreserve"), (0x8000, "populate"),
        (0x10000, "nonblock"), (0x20000, "stack"), (0x40000, "hugetlb"), (0x100000, "fixed_noreplace"),
    ]

    static func mapFlags(_ flags: UInt64) -> [String] {
        mapFlagNames.filter { flags & $0.0 != 0 }.map(\.1)
    }

    static func remapFlags(_ flags: UInt64) -> [String] {
        [(UInt64(1), "maymove"), (2, "fixed"), (4, "dontunmap")].filter { flags & $0.0 != 0 }.map(\.1)
    }

    private static let advice: [UInt64: String] = [
        0: "normal", 1: "random", 2: "sequential", 3: "willneed", 4: "dontneed", 8: "free",
        9: "remove", 10: "dontfork", 11: "dofork", 12: "mergeable", 13: "unmergeable",
        14: "hugepage", 15: "nohugepage", 16: "dontdump", 17: "dodump", 18: "wipeonfork",
        19: "keeponfork", 20: "cold", 21: "pageout", 22: "populate_read", 23: "populate_write",
        24: "dontneed_locked", 25: "collapse",
    ]

    static func adviceName(_ value: UInt64) -> String { advice[value] ?? String(value) }

    static func errnoName(_ err: Int32) -> String {
        memhound_errno_name(err).map { String(cString: $0) } ?? "E\(err)"
    }
}

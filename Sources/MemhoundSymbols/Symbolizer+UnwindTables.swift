import Glibc
import MemhoundABI
import MemhoundProc

/// One executable mapping of a process, as the kernel's unwinder reads it.
public struct CodeMapping: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    /// address - bias = the file's own (link-time) address.
    public var bias: UInt64
    /// The mapped file (device and inode), nil for anonymous code and [vdso].
    public var file: CodeFile?
}

/// A mapped file, the same in every process that maps it.
public struct CodeFile: Hashable, Sendable {
    /// "major:minor" in hex, as /proc/PID/maps writes it.
    public var device: String
    public var inode: UInt64

    /// The device as the kernel keeps it (MKDEV: major << 20 | minor).
    public var kernelDevice: UInt32? {
        let parts = device.split(separator: ":")
        guard parts.count == 2, let major = UInt32(parts[0], radix: 16), let minor = UInt32(parts[1], radix: 16) else { return nil }
        return major << 20 | minor
    }
}

/// A file's rows for the kernel's unwinder and what places them at a mapping.
public struct UnwindTable: Sendable {
    public var rows: [memhound_unwind_row]
    /// p_vaddr - p_offset of the executable segment.
    public var vaddrDelta: Int64
}

extension Symbolizer {
    /// The process's executable mappings in its latest maps snapshot, sorted by start.
    public func codeMappings(pid: Int32) -> [CodeMapping] {
        if mapsSnapshot(pid: pid) == nil { observe(pid: pid) }
        guard let maps = mapsSnapshot(pid: pid) else { return [] }
        return maps.filter(\.isExecutable).map { m in
            var mapping = CodeMapping(start: m.start, end: m.end, bias: 0, file: nil)
            if m.filePath != nil, let elf = elf(for: m, pid: pid) {
                mapping.bias = m.start &- elf.virtualAddress(fileOffset: m.offset)
                mapping.file = CodeFile(device: m.device, inode: m.inode)
            }
            return mapping
        }
    }

    /// The unwind table of a file a process maps (from its .eh_frame); empty when it has none.
    /// Go's code has no CFI there: Go frames are unwound by frame pointers.
    public func unwindTable(pid: Int32, file: CodeFile) -> UnwindTable? {
        guard let maps = mapsSnapshot(pid: pid),
              let m = maps.first(where: { $0.device == file.device && $0.inode == file.inode && $0.filePath != nil }),
              let elf = elf(for: m, pid: pid) else { return nil }
        return UnwindTable(rows: elf.unwindRows(), vaddrDelta: elf.executableDelta)
    }

    /// The unwind table of a file by path (a library a program is about to map), and its identity.
    public static func unwindTable(path: String) -> (CodeFile, UnwindTable)? {
        var st = stat()
        guard stat(path, &st) == 0, let elf = ElfFile(path: path) else { return nil }
        let hex = { (n: UInt64) -> String in let h = String(n, radix: 16); return h.count < 2 ? "0" + h : h }
        // glibc's dev_t (gnu_dev_major/minor are macros Swift does not import).
        let dev = UInt64(st.st_dev)
        let major = (dev >> 8) & 0xfff | (dev >> 32) & ~0xfff, minor = dev & 0xff | (dev >> 12) & ~0xff
        let file = CodeFile(device: hex(major) + ":" + hex(minor), inode: UInt64(st.st_ino))
        return (file, UnwindTable(rows: elf.unwindRows(), vaddrDelta: elf.executableDelta))
    }

    /// The libraries a program will map at start: its DT_NEEDED names and theirs, found the way
    /// the dynamic loader looks (DT_RUNPATH/DT_RPATH, then the standard directories) under `root`
    /// (a process's /proc/PID/root, or "" for memhound's own view). `executable` is opened as given.
    public static func neededLibraries(of executable: String, origin: String? = nil, root: String = "") -> [String] {
        let standard = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
                        "/usr/local/lib"]
        let directory = { (path: String) in "/" + path.split(separator: "/").dropLast().joined(separator: "/") }
        var found: [String] = [], seen: Set<String> = []
        var queue = [(open: executable, origin: origin ?? directory(executable))]
        while let next = queue.popLast(), found.count < 256 {
            guard let elf = ElfFile(path: next.open) else { continue }
            let (names, runPath) = elf.neededLibraries()
            let dirs = (runPath?.split(separator: ":").map { dir -> String in
                dir.hasPrefix("$ORIGIN") ? next.origin + dir.dropFirst("$ORIGIN".count) : String(dir)
            } ?? []) + standard
            for name in names where !seen.contains(name) {
                seen.insert(name)
                let candidates = name.contains("/") ? [name] : dirs.map { $0 + "/" + name }
                if let hit = candidates.first(where: { access(root + $0, R_OK) == 0 }) {
                    found.append(root + hit)
                    queue.append((root + hit, directory(hit)))
                }
            }
        }
        return found
    }
}

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
    public var device: String
    public var inode: UInt64
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
    public func unwindRows(pid: Int32, file: CodeFile) -> [memhound_unwind_row] {
        guard let maps = mapsSnapshot(pid: pid),
              let m = maps.first(where: { $0.device == file.device && $0.inode == file.inode && $0.filePath != nil }),
              let elf = elf(for: m, pid: pid) else { return [] }
        return elf.unwindRows()
    }
}

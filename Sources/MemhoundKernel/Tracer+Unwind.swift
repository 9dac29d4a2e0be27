import MemhoundABI
import CMemhoundBPF
import MemhoundEvents

/// The kernel's unwind tables (bpf/unwind.bpf.h): rows of every file in one
/// array, handed out once per file and never given back (files are few next
/// to the array's size; a file that does not fit is unwound by frame pointers),
/// and each process's executable mappings.
extension Tracer {
    /// Whether the session unwinds with tables (Options.unwindWithTables).
    public var unwindsWithTables: Bool { memhound_tracer_unwind_capacity(handle) > 0 }

    /// Rows handed out, and the array's size.
    public var unwindRowsUsed: UInt32 { nextUnwindRow }
    public var unwindRowCapacity: UInt32 { memhound_tracer_unwind_capacity(handle) }

    /// Loads one file's rows; where they start, nil when the array has no room for them.
    public func loadUnwindRows(_ rows: [memhound_unwind_row]) throws(KernelError) -> UInt32? {
        guard !rows.isEmpty, UInt64(nextUnwindRow) + UInt64(rows.count) <= UInt64(unwindRowCapacity) else { return nil }
        let first = nextUnwindRow
        let err = rows.withUnsafeBufferPointer {
            memhound_tracer_write_unwind_rows(handle, first, $0.baseAddress, UInt32($0.count))
        }
        guard err == 0 else { throw KernelError(step: .writeMap("unwind_rows"), errno: -err) }
        nextUnwindRow += UInt32(rows.count)
        return first
    }

    /// Sets the process's executable mappings (sorted by start; the first MH_UNWIND_MAPPINGS are kept).
    public func setUnwindMappings(pid: Int32, _ mappings: [memhound_unwind_mapping]) throws(KernelError) {
        guard let host = hostPid(pid) else { return }
        var maps = memhound_unwind_maps()
        let kept = mappings.prefix(Int(MH_UNWIND_MAPPINGS))
        maps.count = UInt32(kept.count)
        withUnsafeMutableBytes(of: &maps.mappings) { raw in
            let slots = raw.bindMemory(to: memhound_unwind_mapping.self)
            for (i, m) in kept.enumerated() { slots[i] = m }
        }
        let err = memhound_tracer_set_unwind_maps(handle, host, &maps)
        guard err == 0 else { throw KernelError(step: .writeMap("unwind_mappings"), errno: -err) }
    }

    /// Makes a file's rows findable through any mapping of it (bpf/unwind.bpf.h's unwind_files):
    /// `device` as the kernel encodes it (major << 20 | minor), `vaddrDelta` p_vaddr - p_offset of its
    /// executable segment.
    public func setUnwindFile(device: UInt32, inode: UInt64, firstRow: UInt32, rows: UInt32,
                              vaddrDelta: Int64) throws(KernelError) {
        var key = memhound_unwind_file_key(inode: inode, device: device, _pad: 0)
        var file = memhound_unwind_file(first_row: firstRow, rows: rows, vaddr_delta: vaddrDelta)
        let err = memhound_tracer_set_unwind_file(handle, &key, &file)
        guard err == 0 else { throw KernelError(step: .writeMap("unwind_files"), errno: -err) }
    }

    /// The process is unwound by frame pointers again (or is gone).
    public func clearUnwindMappings(pid: Int32) {
        guard let host = hostPid(pid) else { return }
        _ = memhound_tracer_set_unwind_maps(handle, host, nil)
    }

    /// Walks that met a pc in none of the process's mappings; nil when it has none loaded.
    public func unwindMisses(pid: Int32) -> UInt32? {
        guard let host = pids.host(pid) else { return nil }
        var misses: UInt32 = 0
        return memhound_tracer_unwind_misses(handle, host, &misses) == 0 ? misses : nil
    }

    /// memhound_stack_flags of a stack the kernel walked (0 for frame-pointer walks and unknown names).
    public func stackFlags(_ name: StackName) -> UInt32 { names.flags[name] ?? 0 }
}

extension Tracer {
    /// The session-long name of a kernel stack id (read now if it was not yet).
    public func stackName(_ id: KernelStackID) -> StackName { name(id) }
}

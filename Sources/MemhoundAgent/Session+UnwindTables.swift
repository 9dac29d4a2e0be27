import MemhoundABI
import MemhoundKernel
import MemhoundOutput
import MemhoundSymbols

/// What the session loaded into the kernel's unwind tables (bpf/unwind.bpf.h).
struct UnwindTableState {
    /// Where each file's rows are in the kernel's array; count 0: none (no CFI, or no room).
    var files: [CodeFile: (first: UInt32, count: UInt32)] = [:]
    /// Per process with tables: the kernel's miss count when its mappings were loaded, and when.
    var loaded: [Int32: (misses: UInt32, atNs: UInt64)] = [:]
    /// Files whose rows did not fit in the array (unwound by frame pointers).
    var filesWithoutRoom = 0
    var lastRefreshNs: UInt64 = 0
}

extension Session {
    /// Loads the process's executable mappings (and the tables of files not loaded yet) into the
    /// kernel. A process none of whose code has CFI (Go without cgo) keeps frame-pointer walks.
    func loadUnwindTables(pid: Int32) {
        guard tracer.unwindsWithTables else { return }
        var mappings: [memhound_unwind_mapping] = []
        var withTable = 0
        for m in symbolizer.codeMappings(pid: pid) {
            var entry = memhound_unwind_mapping(start: m.start, end: m.end, bias: m.bias, first_row: 0, rows: 0)
            if let file = m.file {
                let table = unwindTable(pid: pid, file: file)
                entry.first_row = table.first
                entry.rows = table.count
                if table.count > 0 { withTable += 1 }
            }
            mappings.append(entry)
        }
        do {
            if withTable > 0 {
                try tracer.setUnwindMappings(pid: pid, mappings)
                unwindTables.loaded[pid] = (0, MonotonicClock.nowNs())
            } else {
                tracer.clearUnwindMappings(pid: pid)
                unwindTables.loaded[pid] = nil
            }
        } catch {
            Diagnostics.warn("pid \(pid): its stacks are unwound by frame pointers: \(error)")
        }
    }

    private func unwindTable(pid: Int32, file: CodeFile) -> (first: UInt32, count: UInt32) {
        if let known = unwindTables.files[file] { return known }
        let rows = symbolizer.unwindRows(pid: pid, file: file)
        var placed: (first: UInt32, count: UInt32) = (0, 0)
        if !rows.isEmpty {
            if let first = try? tracer.loadUnwindRows(rows) {
                placed = (first, UInt32(rows.count))
            } else {
                unwindTables.filesWithoutRoom += 1
            }
        }
        unwindTables.files[file] = placed
        return placed
    }

    /// Processes whose walks met code outside their loaded mappings (a library mapped since)
    /// get them again: checked once a second, each process reloaded once a second at most.
    func refreshUnwindTables(nowNs: UInt64) {
        guard tracer.unwindsWithTables, nowNs >= unwindTables.lastRefreshNs + 1_000_000_000 else { return }
        unwindTables.lastRefreshNs = nowNs
        for (pid, loaded) in unwindTables.loaded {
            guard let misses = tracer.unwindMisses(pid: pid) else {
                unwindTables.loaded[pid] = nil
                continue
            }
            guard misses > loaded.misses, nowNs >= loaded.atNs + 1_000_000_000 else { continue }
            symbolizer.observe(pid: pid)
            loadUnwindTables(pid: pid)
        }
    }

    /// New code in the process (an executable mmap): its mappings again, now.
    func codeMapped(pid: Int32) {
        guard unwindTables.loaded[pid] != nil || tracer.unwindsWithTables else { return }
        loadUnwindTables(pid: pid)
    }

    func forgetUnwindTables(pid: Int32) {
        guard unwindTables.loaded.removeValue(forKey: pid) != nil else { return }
        tracer.clearUnwindMappings(pid: pid)
    }
}

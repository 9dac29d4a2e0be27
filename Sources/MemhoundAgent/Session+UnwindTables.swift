import Glibc
import MemhoundABI
import MemhoundKernel
import MemhoundOutput
import MemhoundProc
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
        return place(file, symbolizer.unwindTable(pid: pid, file: file))
    }

    /// Loads a file's rows once, and makes them findable through any mapping of the file.
    @discardableResult
    private func place(_ file: CodeFile, _ table: UnwindTable?) -> (first: UInt32, count: UInt32) {
        if let known = unwindTables.files[file] { return known }
        var placed: (first: UInt32, count: UInt32) = (0, 0)
        if let table, !table.rows.isEmpty {
            if let first = try? tracer.loadUnwindRows(table.rows) {
                placed = (first, UInt32(table.rows.count))
                if let device = file.kernelDevice {
                    try? tracer.setUnwindFile(device: device, inode: file.inode, firstRow: first, rows: placed.count,
                                              vaddrDelta: table.vaddrDelta)
                }
            } else {
                unwindTables.filesWithoutRoom += 1
            }
        }
        unwindTables.files[file] = placed
        return placed
    }

    /// Tables of files by path, before any process maps them: what a program about to start will
    /// map, and the C and C++ runtime most programs of this host map. A library mapped before user
    /// space reads the maps again is then unwound through its VMA (bpf/unwind.bpf.h, unwind_files).
    /// A program about to run (or just exec'd) and the libraries it maps at start (DT_NEEDED):
    /// `origin`/`root` as Symbolizer.neededLibraries takes them.
    func preloadUnwindTables(program: String, origin: String? = nil, root: String = "") {
        guard tracer.unwindsWithTables else { return }
        preloadUnwindTables(paths: [program] + Symbolizer.neededLibraries(of: program, origin: origin, root: root))
    }

    func preloadUnwindTables(paths: [String]) {
        guard tracer.unwindsWithTables else { return }
        for path in paths {
            guard let (file, table) = Symbolizer.unwindTable(path: path), unwindTables.files[file] == nil else { continue }
            place(file, table)
        }
    }

    /// This host's dynamic loader and C/C++ runtime, as memhound itself maps them.
    func hostRuntimeLibraries() -> [String] {
        let wanted = ["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1"]
        guard let text = try? proc.mapsText(pid: getpid()) else { return [] }
        var paths: [String] = []
        for m in MemoryMapping.parseMaps(text) where m.isExecutable {
            guard let path = m.filePath, let name = path.split(separator: "/").last, wanted.contains(String(name)),
                  !paths.contains(path) else { continue }
            paths.append(path)
        }
        return paths
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

    func forgetUnwindTables(pid: Int32) {
        guard unwindTables.loaded.removeValue(forKey: pid) != nil else { return }
        tracer.clearUnwindMappings(pid: pid)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// All /proc and /sys reads, relative to an injectable root directory so parsers
/// can run against fixture trees without privileges.
public struct ProcFS: Sendable {
    /// Always ends with "/": "/" in production, a fixture directory in tests.
    public let root: String

    public init(root: String = "/") {
        self.root = root.hasSuffix("/") ? root : root + "/"
    }

    /// Root joined with a relative path such as "proc/1/maps".
    public func path(_ relative: String) -> String {
        root + relative.drop(while: { $0 == "/" })
    }

    // MARK: Parsed files (throwing)

    public func status(pid: Int32) throws -> ProcessStatus {
        try parse(pid: pid, "status", ProcessStatus.parse)
    }

    public func smapsRollup(pid: Int32) throws -> SmapsRollup {
        try parse(pid: pid, "smaps_rollup", SmapsRollup.parse)
    }

    public func stat(pid: Int32) throws -> ProcessStat {
        try parse(pid: pid, "stat", ProcessStat.parse)
    }

    public func maps(pid: Int32) throws -> [MemoryMapping] {
        try readPidFile(pid, "maps").withUnsafeBufferPointer {
            MemoryMapping.parseMaps(bytes: $0)
        }
    }

    /// /proc/PID/maps as text (for libraries that parse it themselves).
    public func mapsText(pid: Int32) throws -> String {
        try readPidText(pid, "maps")
    }

    /// PF_KTHREAD in the stat flags. Throws like `stat(pid:)`.
    public func isKernelThread(pid: Int32) throws -> Bool {
        try stat(pid: pid).isKernelThread
    }

    // MARK: Best-effort reads (nil or empty when unreadable)

    /// Memory of the process's v2 cgroup. Also looks under sys/fs/cgroup/unified,
    /// where hybrid (v1 + v2) systems mount the v2 hierarchy.
    public func cgroupMemory(pid: Int32) -> CgroupMemory? {
        guard let text = try? readPidText(pid, "cgroup") else { return nil }
        if let cgroup = CgroupMemory.unifiedPath(fromCgroupFile: text) {
            let relative = cgroup == "/" ? "" : cgroup
            for mount in Self.unifiedMounts {
                let dir = mount + relative
                guard let current = cgroupNumber(dir + "/memory.current", CgroupMemory.parseCurrent) else { continue }
                return CgroupMemory(path: cgroup, current: current,
                                    limit: cgroupNumber(dir + "/memory.max", CgroupMemory.parseLimit), version: 2)
            }
        }
        if let cgroup = CgroupMemory.memoryV1Path(fromCgroupFile: text) {
            return cgroupMemory(path: cgroup, version: 1)
        }
        return nil
    }

    /// A memory cgroup's figures read again by its path (the process may be gone).
    public func cgroupMemory(path cgroup: String, version: Int) -> CgroupMemory? {
        let relative = cgroup == "/" ? "" : cgroup
        if version == 1 {
            let dir = Self.memoryV1Mount + relative
            guard let current = cgroupNumber(dir + "/memory.usage_in_bytes", CgroupMemory.parseCurrent) else { return nil }
            return CgroupMemory(path: cgroup, current: current,
                                limit: cgroupNumber(dir + "/memory.limit_in_bytes", CgroupMemory.parseLimit), version: 1)
        }
        for mount in Self.unifiedMounts {
            let dir = mount + relative
            guard let current = cgroupNumber(dir + "/memory.current", CgroupMemory.parseCurrent) else { continue }
            return CgroupMemory(path: cgroup, current: current,
                                limit: cgroupNumber(dir + "/memory.max", CgroupMemory.parseLimit), version: 2)
        }
        return nil
    }

    func cgroupNumber(_ file: String, _ parse: (String) -> UInt64?) -> UInt64? {
        cgroupText(file).flatMap(parse)
    }

    /// Link text of /proc/PID/exe, verbatim (it may end in " (deleted)").
    public func exe(pid: Int32) -> String? {
        RawFile.readLink(pidPath(pid, "exe"))
    }

    /// NUL-separated arguments; empty for kernel threads, zombies and unreadable files.
    public func cmdline(pid: Int32) -> [String] {
        guard let bytes = try? readPidFile(pid, "cmdline"), !bytes.isEmpty else { return [] }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.map { String(decoding: $0, as: UTF8.self) }
    }

    /// /proc/PID/comm without its trailing newline (other blanks belong to the name).
    public func comm(pid: Int32) -> String? {
        guard let text = try? readPidText(pid, "comm") else { return nil }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    public func kernelRelease() -> String? {
        guard case .success(let bytes) = RawFile.readAll(path("proc/sys/kernel/osrelease")) else { return nil }
        let text = Substring(String(decoding: bytes, as: UTF8.self)).trimmingBlanks()
        let release = text.split(separator: "\n").first.map(String.init) ?? ""
        return release.isEmpty ? nil : release
    }

    /// vm.mmap_min_addr: no process maps memory below it (without CAP_SYS_RAWIO); nil if unreadable.
    public func mmapMinAddress() -> UInt64? {
        guard case .success(let bytes) = RawFile.readAll(path("proc/sys/vm/mmap_min_addr")) else { return nil }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? ""
        return UInt64(line.trimmingBlanks())
    }

    public func exists(pid: Int32) -> Bool {
        RawFile.isDirectory(path("proc/\(pid)"))
    }

    /// Thread IDs from /proc/PID/task, ascending; empty if unreadable.
    public func threadIDs(pid: Int32) -> [Int32] {
        (RawFile.listDirectory(pidPath(pid, "task")) ?? []).compactMap { Int32($0) }.sorted()
    }

    /// Files to try, in order, for a mapping's backing object. map_files works across
    /// mount namespaces and for deleted files; the root/ path is a fallback that is
    /// left out for deleted mappings, where it could name a different, newer file.
    public func mappedFilePath(pid: Int32, mapping: MemoryMapping) -> [String] {
        guard let file = mapping.filePath else { return [] }
        let range = String(mapping.start, radix: 16) + "-" + String(mapping.end, radix: 16)
        var candidates = [pidPath(pid, "map_files/" + range)]
        if !mapping.isDeleted { candidates.append(pidPath(pid, "root") + file) }
        return candidates
    }

    // MARK: Reading

    private func pidPath(_ pid: Int32, _ file: String) -> String {
        path("proc/\(pid)/\(file)")
    }

    /// ENOENT/ESRCH mean the process is gone (ESRCH also: a zombie or kernel thread
    /// has no mm for smaps_rollup).
    private func readPidFile(_ pid: Int32, _ file: String) throws -> [UInt8] {
        let path = pidPath(pid, file)
        switch RawFile.readAll(path) {
        case .success(let bytes):
            return bytes
        case .failure(let error) where error.code == ENOENT || error.code == ESRCH:
            throw ProcError.noSuchProcess(pid)
        case .failure(let error):
            throw ProcError.unreadable(path, errno: error.code)
        }
    }

    private func readPidText(_ pid: Int32, _ file: String) throws -> String {
        String(decoding: try readPidFile(pid, file), as: UTF8.self)
    }

    /// Runs a parser and names the file in its `.malformed` message.
    private func parse<T>(pid: Int32, _ file: String, _ parser: (String) throws -> T) throws -> T {
        let text = try readPidText(pid, file)
        do {
            return try parser(text)
        } catch ProcError.malformed(let what) {
            throw ProcError.malformed("\(pidPath(pid, file)) (\(what))")
        }
    }
}

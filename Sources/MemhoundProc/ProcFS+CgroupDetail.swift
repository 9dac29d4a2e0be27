/// A memory cgroup's own figures and the host's memory pressure (best effort: nil when unreadable).
extension ProcFS {
    /// Where the v2 hierarchy is mounted: alone at sys/fs/cgroup, or at sys/fs/cgroup/unified next to
    /// the v1 controllers on hybrid systems.
    static let unifiedMounts = ["sys/fs/cgroup", "sys/fs/cgroup/unified"]
    /// The v1 memory controller's hierarchy.
    static let memoryV1Mount = "sys/fs/cgroup/memory"

    /// The memory figures of the cgroup at `path` (as in /proc/PID/cgroup) of hierarchy `version`
    /// (1: v1's memory controller, 2: unified). Files that cannot be read leave their fields nil;
    /// nil only when the cgroup's directory does not exist or `path` could leave the hierarchy.
    public func cgroupMemoryDetail(path cgroup: String, version: Int) -> CgroupMemoryDetail? {
        guard let dir = cgroupDirectory(path: cgroup, version: version) else { return nil }
        var detail = CgroupMemoryDetail(path: cgroup, version: version)
        if version == 1 {
            detail.usage = cgroupNumber(dir + "/memory.usage_in_bytes", CgroupMemory.parseCurrent)
            detail.limit = cgroupNumber(dir + "/memory.limit_in_bytes", CgroupMemory.parseLimit)
            detail.softLimit = cgroupNumber(dir + "/memory.soft_limit_in_bytes", CgroupMemory.parseLimit)
            if let stat = cgroupText(dir + "/memory.stat") {
                detail.stat = .parse(v1: stat)
                // Not memory.memsw.usage_in_bytes: that is memory and swap together.
                detail.swap = CgroupMemoryDetail.Stat.hierarchical(FieldLines.flatKeyed(stat), "swap")
            }
            detail.events = .parse(v1OOMControl: cgroupText(dir + "/memory.oom_control"),
                                   failcnt: cgroupText(dir + "/memory.failcnt"))
        } else {
            detail.usage = cgroupNumber(dir + "/memory.current", CgroupMemory.parseCurrent)
            detail.limit = cgroupNumber(dir + "/memory.max", CgroupMemory.parseLimit)
            detail.high = cgroupNumber(dir + "/memory.high", CgroupMemory.parseLimit)
            detail.swap = cgroupNumber(dir + "/memory.swap.current", CgroupMemory.parseCurrent)
            detail.stat = cgroupText(dir + "/memory.stat").flatMap { .parse(v2: $0) }
            detail.events = cgroupText(dir + "/memory.events").flatMap { .parse(v2: $0) }
            detail.pressure = cgroupText(dir + "/memory.pressure").flatMap(MemoryPressure.parse)
        }
        return detail
    }

    /// The host's memory PSI, /proc/pressure/memory; nil without CONFIG_PSI or with psi=0.
    public func hostMemoryPressure() -> MemoryPressure? {
        cgroupText("proc/pressure/memory").flatMap(MemoryPressure.parse)
    }

    /// The cgroup's directory relative to the root. A v2 directory is recognised by its
    /// cgroup.controllers, which only v2 has: on hybrid systems sys/fs/cgroup is a tmpfs holding the
    /// v1 mounts, where "/" or "/memory" would otherwise be taken for v2 cgroups.
    func cgroupDirectory(path cgroup: String, version: Int) -> String? {
        guard CgroupMemory.staysInsideRoot(Substring(cgroup)) else { return nil }
        let relative = cgroup == "/" ? "" : cgroup
        switch version {
        case 1:
            let dir = Self.memoryV1Mount + relative
            return RawFile.isDirectory(path(dir)) ? dir : nil
        case 2:
            return Self.unifiedMounts.map { $0 + relative }
                .first { RawFile.isDirectory(path($0)) && RawFile.exists(path($0 + "/cgroup.controllers")) }
        default:
            return nil
        }
    }

    func cgroupText(_ file: String) -> String? {
        guard case .success(let bytes) = RawFile.readAll(path(file)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

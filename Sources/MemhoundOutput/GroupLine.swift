/// `memhound watch`: one cgroup (a container) every interval: its traced processes together and
/// the cgroup's own memory figures.
public struct GroupLine: Codable, Equatable, Sendable {
    public var type = "group"
    public var time: String
    /// The last group line of the session (after every final report).
    public var final: Bool
    /// As /proc/PID/cgroup names it.
    public var cgroup: String
    public var cgroupVersion: Int
    public var container: ContainerInfo?
    /// Traced processes in it now, and the first of them by anonymous growth.
    public var processes: Int
    public var pids: [Int32]
    /// Processes past `pids`.
    public var otherPids: Int
    /// Traced processes of this cgroup that ended since memhound began (their final reports are out).
    public var exited: Int
    /// Sums over its live traced processes, as their reports of the same moment give them.
    public var growth: MemoryBytes
    public var attributed: AttributedBytes
    /// attributed.anon / growth.anon; null when growth.anon is 0 or less.
    public var explained: Double?
    /// Call sites of all its processes, the same call chain in several processes summed; each
    /// with the number of processes it is in.
    public var sites: [SiteEntry]
    public var otherSites: Int
    public var categories: [String: UInt64]
    /// What its Go processes' `cgo` sites certainly hold (their reports' `cgo_bytes` summed);
    /// absent when none of its processes is a Go program.
    public var cgoBytes: UInt64?
    /// The cgroup's own figures (every process in it, traced or not); null when unreadable.
    public var memory: CgroupMemoryInfo?
    /// The host's memory pressure (/proc/pressure/memory); null without PSI.
    public var hostPressure: PressureInfo?
    /// Growth rate of what the cgroup cannot reclaim (memory.stat anon + shmem), per window its
    /// history covers; absent before the shortest window is covered or with --no-alerts.
    public var trend: [AlertRate]?

    public init(time: String, final: Bool, cgroup: String, cgroupVersion: Int) {
        self.time = time
        self.final = final
        self.cgroup = cgroup
        self.cgroupVersion = cgroupVersion
        processes = 0
        pids = []
        otherPids = 0
        exited = 0
        growth = MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0)
        attributed = AttributedBytes(anon: 0)
        sites = []
        otherSites = 0
        categories = [:]
    }

    enum CodingKeys: String, CodingKey {
        case type, time, final, cgroup, container, processes, pids, exited, growth, attributed, explained, sites
        case categories, memory
        case cgroupVersion = "cgroup_version", otherPids = "other_pids", otherSites = "other_sites"
        case hostPressure = "host_pressure", trend, cgoBytes = "cgo_bytes"
    }

    /// `explained`, `memory` and `host_pressure` are always present (null when unknown).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(final, forKey: .final)
        try c.encode(cgroup, forKey: .cgroup)
        try c.encode(cgroupVersion, forKey: .cgroupVersion)
        try c.encodeIfPresent(container, forKey: .container)
        try c.encode(processes, forKey: .processes)
        try c.encode(pids, forKey: .pids)
        try c.encode(otherPids, forKey: .otherPids)
        try c.encode(exited, forKey: .exited)
        try c.encode(growth, forKey: .growth)
        try c.encode(attributed, forKey: .attributed)
        try c.encode(explained, forKey: .explained)
        try c.encode(sites, forKey: .sites)
        try c.encode(otherSites, forKey: .otherSites)
        try c.encode(categories, forKey: .categories)
        try c.encodeIfPresent(cgoBytes, forKey: .cgoBytes)
        try c.encode(memory, forKey: .memory)
        try c.encode(hostPressure, forKey: .hostPressure)
        try c.encodeIfPresent(trend, forKey: .trend)
    }
}

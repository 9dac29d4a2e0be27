/// Bytes by kind of resident memory.
public struct MemoryBytes: Codable, Equatable, Sendable {
    public var anon: Int64
    public var file: Int64
    public var shmem: Int64
    public var swap: Int64

    public init(anon: Int64, file: Int64, shmem: Int64, swap: Int64) {
        self.anon = anon
        self.file = file
        self.shmem = shmem
        self.swap = swap
    }
}

public struct AttributedBytes: Codable, Equatable, Sendable {
    /// What the sites certainly hold, never more than memhound measured: lost
    /// records can only lower it (docs/design.md, "Losses").
    public var anon: UInt64
    /// Bytes that may be held on top of `anon` but are not certain (0: exact).
    public var uncertain: UInt64

    public init(anon: UInt64, uncertain: UInt64 = 0) {
        self.anon = anon
        self.uncertain = uncertain
    }
}

/// Live anonymous mappings a site created.
public struct MappedBytes: Codable, Equatable, Sendable {
    public var bytes: UInt64
    public var count: Int
    public var oldestAgeS: Double?

    public init(bytes: UInt64, count: Int, oldestAgeS: Double?) {
        self.bytes = bytes
        self.count = count
        self.oldestAgeS = oldestAgeS
    }

    enum CodingKeys: String, CodingKey {
        case bytes, count
        case oldestAgeS = "oldest_age_s"
    }
}

/// A call site: one user stack of one process.
public struct SiteEntry: Codable, Equatable, Sendable {
    /// Net resident anonymous bytes it added since tracing began.
    public var bytes: UInt64
    /// All it made resident, and what of that was released again.
    public var grown: UInt64
    public var released: UInt64
    /// ANON counter increments (page faults, or populate steps) it caused.
    public var faults: UInt64
    public var mapped: MappedBytes
    /// Leaf first.
    public var frames: [Frame]
    /// Set only in a line as written with `--stacks once` (StackLineTable): `frames` are then
    /// written once, in the `stack` line of this id, and not here.
    public var stack: StackLineID?
    /// The kind of memory most of its bytes are: go_heap, goroutine_stacks,
    /// go_runtime, off_heap_mmap, malloc_heap, thread_stacks or other.
    public var category: String
    /// Bytes it may hold on top of `bytes` (its releases may have gone unseen); 0: exact.
    public var uncertainBytes: UInt64 = 0
    /// Go programs: true when C code called through cgo grew it (docs/design.md, "Categories");
    /// absent otherwise (never false).
    public var cgo: Bool?
    /// Group lines only: the processes that have this call chain.
    public var processes: Int?
    /// Alert lines only: how fast it grows (trend, oom_forecast), or how much it grew in the spike.
    public var rateBytesPerHour: Double?
    public var spikeBytes: Double?

    enum CodingKeys: String, CodingKey {
        case bytes, grown, released, faults, mapped, frames, stack, category, processes, cgo
        case rateBytesPerHour = "rate_bytes_per_hour", spikeBytes = "spike_bytes"
        case uncertainBytes = "uncertain_bytes"
    }

    /// A site has `frames` or, referring to a `stack` line, `stack` (its frames then empty until the
    /// reader resolves them).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bytes = try c.decode(UInt64.self, forKey: .bytes)
        grown = try c.decode(UInt64.self, forKey: .grown)
        released = try c.decode(UInt64.self, forKey: .released)
        faults = try c.decode(UInt64.self, forKey: .faults)
        mapped = try c.decode(MappedBytes.self, forKey: .mapped)
        stack = try c.decodeIfPresent(StackLineID.self, forKey: .stack)
        frames = stack == nil ? try c.decode([Frame].self, forKey: .frames) : []
        category = try c.decode(String.self, forKey: .category)
        uncertainBytes = try c.decode(UInt64.self, forKey: .uncertainBytes)
        cgo = try c.decodeIfPresent(Bool.self, forKey: .cgo)
        processes = try c.decodeIfPresent(Int.self, forKey: .processes)
        rateBytesPerHour = try c.decodeIfPresent(Double.self, forKey: .rateBytesPerHour)
        spikeBytes = try c.decodeIfPresent(Double.self, forKey: .spikeBytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(grown, forKey: .grown)
        try c.encode(released, forKey: .released)
        try c.encode(faults, forKey: .faults)
        try c.encode(mapped, forKey: .mapped)
        if let stack { try c.encode(stack, forKey: .stack) } else { try c.encode(frames, forKey: .frames) }
        try c.encode(category, forKey: .category)
        try c.encode(uncertainBytes, forKey: .uncertainBytes)
        try c.encodeIfPresent(cgo == true ? true : nil, forKey: .cgo)
        try c.encodeIfPresent(processes, forKey: .processes)
        try c.encodeIfPresent(rateBytesPerHour, forKey: .rateBytesPerHour)
        try c.encodeIfPresent(spikeBytes, forKey: .spikeBytes)
    }

    /// Its category as the live view and `memhound report` show it: "malloc_heap cgo" for a cgo site.
    public var categoryLabel: String { cgo == true ? category + " cgo" : category }

    public init(bytes: UInt64, grown: UInt64, released: UInt64, faults: UInt64, mapped: MappedBytes,
                frames: [Frame], category: String = "other", uncertainBytes: UInt64 = 0) {
        self.uncertainBytes = uncertainBytes
        self.bytes = bytes
        self.grown = grown
        self.released = released
        self.faults = faults
        self.mapped = mapped
        self.frames = frames
        self.category = category
    }
}

/// ANON changes that cannot be charged to a call site.
public struct Unattributed: Codable, Equatable, Sendable {
    /// Increments made outside the process's threads (khugepaged, swap-in by others).
    public var foreignGrowth: UInt64
    /// Decrements made outside the process's threads (reclaim, swap-out).
    public var foreignRelease: UInt64
    /// Decrements by its threads outside traced syscalls.
    public var unscopedRelease: UInt64
    /// Released memory that existed before tracing began.
    public var preexistingRelease: UInt64
    /// Released pages memhound could not place: growth without a fault address
    /// (MAP_POPULATE) or whose record was lost. Subtracted from `attributed`.
    public var unlocatedRelease: UInt64 = 0
    /// Releases whose record was lost (the kernel measured them). Subtracted from `attributed`.
    public var unseenRelease: UInt64 = 0

    public init(foreignGrowth: UInt64, foreignRelease: UInt64, unscopedRelease: UInt64,
                preexistingRelease: UInt64, unlocatedRelease: UInt64 = 0, unseenRelease: UInt64 = 0) {
        self.foreignGrowth = foreignGrowth
        self.foreignRelease = foreignRelease
        self.unscopedRelease = unscopedRelease
        self.preexistingRelease = preexistingRelease
        self.unlocatedRelease = unlocatedRelease
        self.unseenRelease = unseenRelease
    }

    enum CodingKeys: String, CodingKey {
        case foreignGrowth = "foreign_growth", foreignRelease = "foreign_release"
        case unscopedRelease = "unscoped_release", preexistingRelease = "preexisting_release"
        case unlocatedRelease = "unlocated_release", unseenRelease = "unseen_release"
    }
}

public struct ReportLine: Codable, Equatable, Sendable {
    public var type = "report"
    public var time: String
    public var final: Bool
    public var pid: Int32
    public var comm: String?
    public var elapsedS: Double
    /// Latest sample.
    public var rss: MemoryBytes
    /// Since tracing began.
    public var growth: MemoryBytes
    public var attributed: AttributedBytes
    /// attributed.anon / growth.anon; null when growth.anon is 0 or less.
    public var explained: Double?
    public var unattributed: Unattributed
    public var sites: [SiteEntry]
    /// Sites beyond `sites` (past --top).
    public var otherSites: Int
    public var lost: LostCounts
    /// Ring-buffer records of this process that were dropped; its figures then carry `uncertain` bounds.
    public var lostRecords: UInt64 = 0
    /// TCP retransmits of the process's sockets (see TCPReport).
    public var tcp = TCPReport()
    /// Attributed bytes by kind of memory (every category present).
    public var categories: [String: UInt64] = [:]
    /// 1: every ANON increment was attributed; N: one in N per thread, counted N times
    /// (site bytes, grown, released and attributed are then estimates).
    public var sampleEvery: UInt32 = 1
    /// How the user stacks behind the attribution were obtained (all targets together).
    public var stackWalks = StackWalks()
    /// The container the process runs in, from its cgroup path (absent when none is recognised).
    public var container: ContainerInfo?
    /// The pid the process sees for itself in its own pid namespace (NSpid's last), when it differs.
    public var nsPid: Int32?
    /// Go programs: garbage-collection cycles completed since memhound began counting them.
    public var goGCCycles: UInt64?
    /// Go programs: what the sites C code called through cgo grew (`cgo` sites) certainly hold,
    /// bytes, all sites counted (not only those listed).
    public var cgoBytes: UInt64?
    /// Growth rate of its anonymous and shared memory per window the history covers (the alerts'
    /// trend figures); absent before the shortest window is covered or with --alerts off.
    public var trend: [AlertRate]?

    public init(time: String, final: Bool, pid: Int32, comm: String?, elapsedS: Double, rss: MemoryBytes,
                growth: MemoryBytes, attributed: AttributedBytes, explained: Double?,
                unattributed: Unattributed, sites: [SiteEntry], otherSites: Int, lost: LostCounts,
                categories: [String: UInt64] = [:]) {
        self.categories = categories
        self.time = time
        self.final = final
        self.pid = pid
        self.comm = comm
        self.elapsedS = elapsedS
        self.rss = rss
        self.growth = growth
        self.attributed = attributed
        self.explained = explained
        self.unattributed = unattributed
        self.sites = sites
        self.otherSites = otherSites
        self.lost = lost
    }

    enum CodingKeys: String, CodingKey {
        case type, time, final, pid, comm, rss, growth, attributed, explained, unattributed, sites, lost, tcp
        case categories
        case sampleEvery = "sample_every", stackWalks = "stack_walks", container, nsPid = "ns_pid"
        case goGCCycles = "go_gc_cycles", trend, cgoBytes = "cgo_bytes"
        case elapsedS = "elapsed_s", otherSites = "other_sites", lostRecords = "lost_records"
    }

    /// Written by hand so that a null `explained` is present, not omitted.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(final, forKey: .final)
        try c.encode(pid, forKey: .pid)
        try c.encode(comm, forKey: .comm)
        try c.encode(elapsedS, forKey: .elapsedS)
        try c.encode(rss, forKey: .rss)
        try c.encode(growth, forKey: .growth)
        try c.encode(attributed, forKey: .attributed)
        try c.encode(explained, forKey: .explained)
        try c.encode(unattributed, forKey: .unattributed)
        try c.encode(sites, forKey: .sites)
        try c.encode(otherSites, forKey: .otherSites)
        try c.encode(lost, forKey: .lost)
        try c.encode(lostRecords, forKey: .lostRecords)
        try c.encode(tcp, forKey: .tcp)
        try c.encode(categories, forKey: .categories)
        try c.encode(sampleEvery, forKey: .sampleEvery)
        try c.encode(stackWalks, forKey: .stackWalks)
        try c.encodeIfPresent(container, forKey: .container)
        try c.encodeIfPresent(nsPid, forKey: .nsPid)
        try c.encodeIfPresent(goGCCycles, forKey: .goGCCycles)
        try c.encodeIfPresent(cgoBytes, forKey: .cgoBytes)
        try c.encodeIfPresent(trend, forKey: .trend)
    }
}

/// User stacks walked in the kernel, and stacks proven unchanged instead of walked
/// (their frame-pointer chain read back in one go and found identical).
public struct StackWalks: Codable, Equatable, Sendable {
    public var walked: UInt64 = 0
    public var reused: UInt64 = 0
    /// With --check-stack-reuse, proven stacks are walked too: disagreements (expected 0).
    public var mismatched: UInt64 = 0
    /// Whether proven stacks were walked too (--check-stack-reuse).
    public var checked = false
    /// Distinct stacks the kernel's stack table refused (its bucket held another stack), kept in a second table.
    public var collided: UInt64 = 0
    /// Sets of kernel stack tables emptied after their stacks were read (docs/design.md).
    public var recycled: UInt64 = 0
    /// Stack ids that came too late to be named (kept open by a thread while its set was recycled 4 times).
    public var expired: UInt64 = 0
    /// Stacks forgotten once all their memory was released, to keep memory bounded (docs/design.md).
    public var retired: UInt64 = 0
    /// Stack copies the per-target rate limit skipped: those calls kept their frame-pointer stack.
    public var copiesSkipped: UInt64 = 0
    /// Stacks the kernel unwound with the binaries' call frame information (all processes).
    public var unwound: UInt64 = 0
    /// ...of which the walk stopped before the outermost frame (a rule it does not evaluate, unreadable stack).
    public var unwindStopped: UInt64 = 0
    /// --check-unwind: sampled fault stacks also unwound by libdwfl from a copy, and how many disagreed.
    public var unwindCheck: UnwindCheck?

    enum CodingKeys: String, CodingKey {
        case walked, reused, mismatched, checked, collided, recycled, expired, retired, unwound
        case copiesSkipped = "copies_skipped"
        case unwindStopped = "unwind_stopped"
        case unwindCheck = "unwind_check"
    }

    /// Runs recorded before the kernel unwound with tables have no unwound counts.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        walked = try c.decode(UInt64.self, forKey: .walked)
        reused = try c.decode(UInt64.self, forKey: .reused)
        mismatched = try c.decode(UInt64.self, forKey: .mismatched)
        checked = try c.decode(Bool.self, forKey: .checked)
        collided = try c.decode(UInt64.self, forKey: .collided)
        recycled = try c.decode(UInt64.self, forKey: .recycled)
        expired = try c.decode(UInt64.self, forKey: .expired)
        retired = try c.decode(UInt64.self, forKey: .retired)
        copiesSkipped = try c.decode(UInt64.self, forKey: .copiesSkipped)
        unwound = try c.decodeIfPresent(UInt64.self, forKey: .unwound) ?? 0
        unwindStopped = try c.decodeIfPresent(UInt64.self, forKey: .unwindStopped) ?? 0
        unwindCheck = try c.decodeIfPresent(UnwindCheck.self, forKey: .unwindCheck)
    }

    public init(walked: UInt64 = 0, reused: UInt64 = 0, mismatched: UInt64 = 0, checked: Bool = false,
                collided: UInt64 = 0) {
        self.walked = walked
        self.reused = reused
        self.mismatched = mismatched
        self.checked = checked
        self.collided = collided
    }
}

/// --check-unwind's comparison of the kernel's unwinding with libdwfl's on the same stacks.
public struct UnwindCheck: Codable, Equatable, Sendable {
    /// Stacks compared (libdwfl unwound at least two frames from the copy).
    public var compared: UInt64 = 0
    /// Stacks whose frames differ where both unwinds have them, or where libdwfl found callers the kernel did not.
    public var disagreed: UInt64 = 0
    /// Frames compared, over all stacks.
    public var frames: UInt64 = 0
    /// The first few disagreements: kernel and libdwfl program counters, leaf first, as hex.
    public var examples: [UnwindDisagreement] = []

    public init() {}
}

public struct UnwindDisagreement: Codable, Equatable, Sendable {
    public var kernel: [String]
    public var libdwfl: [String]

    public init(kernel: [String], libdwfl: [String]) {
        self.kernel = kernel
        self.libdwfl = libdwfl
    }
}

/// A process's container, as its cgroup path names it (MemhoundProc.ContainerIdentity).
public struct ContainerInfo: Codable, Equatable, Sendable {
    /// "docker", "containerd", "cri-o", "podman", or "systemd" (a unit, not a container).
    public var runtime: String
    /// The container id, or the systemd unit's name.
    public var id: String
    /// The Kubernetes pod's uid, when the path has one.
    public var podUID: String?

    public init(runtime: String, id: String, podUID: String?) {
        self.runtime = runtime
        self.id = id
        self.podUID = podUID
    }

    enum CodingKeys: String, CodingKey {
        case runtime, id
        case podUID = "pod_uid"
    }
}

/// The JSON lines memhound writes. Every line has `type`, `time` and `schema`; field names
/// are snake_case. docs/schema/ defines each (checked by SchemaTests); docs/output-schema.md explains them.

/// One frame of a symbolized user stack.
public struct Frame: Codable, Hashable, Sendable {
    /// Runtime address, hex.
    public var address: String
    public var function: String?
    /// Path of the mapped file, or "[anon]" / "[unknown]".
    public var module: String
    /// Address inside the module's file (link-time address), hex: what addr2line takes.
    public var offset: String
    /// Bytes past the start of `function`.
    public var symbolOffset: UInt64?
    public var file: String?
    public var line: Int?
    /// The compiler inlined this function into the next frame (which has the same address).
    public var inlined: Bool
    /// The symbol as the binary spells it, when `function` is demangled.
    public var mangled: String?
    /// The module's file was deleted or replaced since the process mapped it (true only; absent otherwise).
    public var moduleDeleted: Bool?
    /// The module's NT_GNU_BUILD_ID note, lowercase hex; absent when it has none (Go's own note is not read).
    public var buildID: String?

    public init(address: String, function: String?, module: String, offset: String,
                symbolOffset: UInt64? = nil, file: String? = nil, line: Int? = nil, inlined: Bool = false,
                mangled: String? = nil, moduleDeleted: Bool = false, buildID: String? = nil) {
        self.buildID = buildID
        self.moduleDeleted = moduleDeleted ? true : nil
        self.inlined = inlined
        self.mangled = mangled
        self.address = address
        self.function = function
        self.module = module
        self.offset = offset
        self.symbolOffset = symbolOffset
        self.file = file
        self.line = line
    }

    enum CodingKeys: String, CodingKey {
        case address, function, module, offset, file, line, inlined, mangled
        case symbolOffset = "symbol_offset", moduleDeleted = "module_deleted", buildID = "build_id"
    }

    /// Unknown fields are written as null, so every frame has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(address, forKey: .address)
        try c.encode(function, forKey: .function)
        try c.encode(module, forKey: .module)
        try c.encode(offset, forKey: .offset)
        try c.encode(symbolOffset, forKey: .symbolOffset)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(inlined, forKey: .inlined)
        try c.encodeIfPresent(mangled, forKey: .mangled)
        try c.encodeIfPresent(moduleDeleted, forKey: .moduleDeleted)
        try c.encodeIfPresent(buildID, forKey: .buildID)
    }
}

public struct TargetInfo: Codable, Equatable, Sendable {
    public var pid: Int32
    public var comm: String?
    public var exe: String?
    public var cmdline: [String]

    public init(pid: Int32, comm: String?, exe: String?, cmdline: [String]) {
        self.pid = pid
        self.comm = comm
        self.exe = exe
        self.cmdline = cmdline
    }

    enum CodingKeys: String, CodingKey { case pid, comm, exe, cmdline }

    /// By hand so that an unreadable `comm` or `exe` is null, not omitted (the schema says nullable).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid)
        try c.encode(comm, forKey: .comm)
        try c.encode(exe, forKey: .exe)
        try c.encode(cmdline, forKey: .cmdline)
    }
}

public struct OptionsInfo: Codable, Equatable, Sendable {
    public var intervalS: Double
    public var durationS: Double?
    public var top: Int
    public var events: [String]
    public var followChildren: Bool
    public var output: String?
    public var sampleEvery: UInt32 = 1
    /// `--stacks`: "inline" or "once" (absent in runs written before the option existed: inline).
    public var stacks: String?

    public init(intervalS: Double, durationS: Double?, top: Int, events: [String],
                followChildren: Bool, output: String?) {
        self.intervalS = intervalS
        self.durationS = durationS
        self.top = top
        self.events = events
        self.followChildren = followChildren
        self.output = output
    }

    enum CodingKeys: String, CodingKey {
        case top, events, output
        case intervalS = "interval_s", durationS = "duration_s", followChildren = "follow_children"
        case sampleEvery = "sample_every", stacks
    }
}

public struct StartLine: Codable, Equatable, Sendable {
    public var type = "start"
    public var time: String
    public var version: String
    public var mode: String
    /// attach and run: the one target. Absent in watch mode.
    public var target: TargetInfo?
    /// watch: what is watched.
    public var watch: WatchInfo?
    public var kernel: String?
    public var options: OptionsInfo

    public init(time: String, version: String, mode: String, target: TargetInfo?, kernel: String?,
                options: OptionsInfo, watch: WatchInfo? = nil) {
        self.time = time
        self.version = version
        self.mode = mode
        self.target = target
        self.watch = watch
        self.kernel = kernel
        self.options = options
    }

    /// The target in a few words: "server --port 8080 (pid 42)", or what watch watches.
    public var targetSummary: String {
        if let target {
            let command = target.cmdline.isEmpty ? (target.comm ?? "?") : target.cmdline.joined(separator: " ")
            return "\(command) (pid \(target.pid))"
        }
        guard let watch else { return "?" }
        var parts = watch.cgroups.map { "cgroup \($0.path)" }
        if watch.all { parts.append("every process") }
        if !watch.pids.isEmpty { parts.append("pid " + watch.pids.map(String.init).joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }
}

/// `memhound watch`: the cgroups, pid namespace and pids watched.
public struct WatchInfo: Codable, Equatable, Sendable {
    public var cgroups: [WatchedCgroupInfo]
    public var all: Bool
    public var pids: [Int32]

    public init(cgroups: [WatchedCgroupInfo], all: Bool, pids: [Int32]) {
        self.cgroups = cgroups
        self.all = all
        self.pids = pids
    }
}

public struct WatchedCgroupInfo: Codable, Equatable, Sendable {
    /// The directory given.
    public var directory: String
    /// As /proc/PID/cgroup names it.
    public var path: String
    public var version: Int

    public init(directory: String, path: String, version: Int) {
        self.directory = directory
        self.path = path
        self.version = version
    }
}

/// A /proc sample of one process.
public struct RSSLine: Codable, Equatable, Sendable {
    public var type = "rss"
    public var time: String
    public var pid: Int32
    public var anon: UInt64
    public var file: UInt64
    public var shmem: UInt64
    public var swap: UInt64
    public var pss: UInt64?
    public var pssAnon: UInt64?
    public var pssFile: UInt64?
    public var pssShmem: UInt64?
    public var cgroup: String?
    public var cgroupMemoryCurrent: UInt64?

    public init(time: String, pid: Int32, anon: UInt64, file: UInt64, shmem: UInt64, swap: UInt64) {
        self.time = time
        self.pid = pid
        self.anon = anon
        self.file = file
        self.shmem = shmem
        self.swap = swap
    }

    enum CodingKeys: String, CodingKey {
        case type, time, pid, anon, file, shmem, swap, pss, cgroup
        case pssAnon = "pss_anon", pssFile = "pss_file", pssShmem = "pss_shmem"
        case cgroupMemoryCurrent = "cgroup_memory_current"
    }
}

public struct ExitLine: Codable, Equatable, Sendable {
    public var type = "exit"
    public var time: String
    public var pid: Int32
    public var exitCode: Int32?
    public var signal: String?
    /// The kernel's ANON counter at the process's last own change, before teardown.
    public var anonAtExit: UInt64?

    public init(time: String, pid: Int32, exitCode: Int32?, signal: String?, anonAtExit: UInt64?) {
        self.time = time
        self.pid = pid
        self.exitCode = exitCode
        self.signal = signal
        self.anonAtExit = anonAtExit
    }

    enum CodingKeys: String, CodingKey {
        case type, time, pid, signal
        case exitCode = "exit_code", anonAtExit = "anon_at_exit"
    }

    /// `exit_code` and `signal` are always present; one of them is null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(pid, forKey: .pid)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(signal, forKey: .signal)
        try c.encode(anonAtExit, forKey: .anonAtExit)
    }
}

/// Counts of what was dropped, since tracing began.
public struct LostCounts: Codable, Equatable, Sendable {
    public var ringBuffer: UInt64 = 0
    public var stacks: UInt64 = 0
    public var sites: UInt64 = 0
    public var threads: UInt64 = 0
    public var addressSpaces: UInt64 = 0
    public var targets: UInt64 = 0
    public var undecodable: UInt64 = 0
    /// Program runs the kernel skipped: a tracepoint fired while a BPF program was
    /// already running on that CPU, so its event (of any process) was not seen.
    public var skippedRuns: UInt64 = 0
    /// Lines memhound dropped because its output could not keep up (event and periodic lines only).
    public var outputLines: UInt64 = 0
    /// Reads of the kernel's maps (counters, the stack growth table) that failed: the report
    /// that needed one used the values read before.
    public var mapReads: UInt64 = 0

    public init() {}

    public var total: UInt64 {
        ringBuffer + stacks + sites + threads + addressSpaces + targets + undecodable + skippedRuns + outputLines
            + mapReads
    }

    enum CodingKeys: String, CodingKey {
        case stacks, sites, threads, targets, undecodable
        case ringBuffer = "ring_buffer", addressSpaces = "address_spaces", skippedRuns = "skipped_runs"
        case outputLines = "output_lines", mapReads = "map_reads"
    }
}

public struct LostLine: Codable, Equatable, Sendable {
    public var type = "lost"
    public var time: String
    /// Totals since tracing began.
    public var lost: LostCounts

    public init(time: String, lost: LostCounts) {
        self.time = time
        self.lost = lost
    }
}

/// Anonymous memory growth over a recent window (signed bytes).
public struct RecentGrowth: Codable, Equatable, Sendable {
    public var windowS: Double
    public var anon: Int64

    public init(windowS: Double, anon: Int64) {
        self.windowS = windowS
        self.anon = anon
    }

    enum CodingKeys: String, CodingKey {
        case anon
        case windowS = "window_s"
    }
}

/// The kernel's OOM killer chose a traced process: its figures as the kernel saw them, its memory
/// cgroup, and what memhound attributed up to that moment.
public struct OOMKillLine: Codable, Equatable, Sendable {
    public var type = "oom_kill"
    public var time: String
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    public var uid: UInt32
    public var oomScoreAdj: Int16
    /// Bytes, from the kernel at the moment it chose the victim.
    public var totalVM: UInt64
    public var anonRSS: UInt64
    public var fileRSS: UInt64
    public var shmemRSS: UInt64
    public var pageTables: UInt64
    /// The victim's memory cgroup, when known: path, version (1, 2), usage and limit in bytes.
    public var cgroup: String?
    public var cgroupVersion: Int?
    public var cgroupUsage: UInt64?
    public var cgroupLimit: UInt64?
    /// What memhound attributed, as in a report at that moment.
    public var growth: MemoryBytes
    public var attributed: AttributedBytes
    public var explained: Double?
    public var sites: [SiteEntry]
    public var categories: [String: UInt64]
    /// Go programs: the report's `cgo_bytes` at that moment.
    public var cgoBytes: UInt64?
    /// Growth over the last minutes before the kill, from /proc samples.
    public var recentGrowth: RecentGrowth?
    /// false: the victim was not traced (`watch`: it was in a watched cgroup, its memory was not
    /// followed); the line then says only what the kernel said, without growth, sites or categories.
    public var traced = true

    public init(time: String, pid: Int32, tid: Int32, comm: String, uid: UInt32, oomScoreAdj: Int16,
                totalVM: UInt64, anonRSS: UInt64, fileRSS: UInt64, shmemRSS: UInt64, pageTables: UInt64,
                report: ReportLine?) {
        self.time = time
        self.pid = pid
        self.tid = tid
        self.comm = comm
        self.uid = uid
        self.oomScoreAdj = oomScoreAdj
        self.totalVM = totalVM
        self.anonRSS = anonRSS
        self.fileRSS = fileRSS
        self.shmemRSS = shmemRSS
        self.pageTables = pageTables
        traced = report != nil
        growth = report?.growth ?? MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0)
        attributed = report?.attributed ?? AttributedBytes(anon: 0)
        explained = report?.explained
        sites = report?.sites ?? []
        categories = report?.categories ?? [:]
        cgoBytes = report?.cgoBytes
    }

    enum CodingKeys: String, CodingKey {
        case type, time, pid, tid, comm, uid, cgroup, growth, attributed, explained, sites, categories
        case oomScoreAdj = "oom_score_adj", totalVM = "total_vm", anonRSS = "anon_rss", fileRSS = "file_rss"
        case shmemRSS = "shmem_rss", pageTables = "pgtables", cgroupVersion = "cgroup_version"
        case cgroupUsage = "cgroup_usage", cgroupLimit = "cgroup_limit", recentGrowth = "recent_growth"
        case traced, cgoBytes = "cgo_bytes"
    }

    /// `explained` is always present (null when growth is 0 or less), like a report's.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(pid, forKey: .pid)
        try c.encode(tid, forKey: .tid)
        try c.encode(comm, forKey: .comm)
        try c.encode(uid, forKey: .uid)
        try c.encode(oomScoreAdj, forKey: .oomScoreAdj)
        try c.encode(totalVM, forKey: .totalVM)
        try c.encode(anonRSS, forKey: .anonRSS)
        try c.encode(fileRSS, forKey: .fileRSS)
        try c.encode(shmemRSS, forKey: .shmemRSS)
        try c.encode(pageTables, forKey: .pageTables)
        try c.encodeIfPresent(cgroup, forKey: .cgroup)
        try c.encodeIfPresent(cgroupVersion, forKey: .cgroupVersion)
        try c.encodeIfPresent(cgroupUsage, forKey: .cgroupUsage)
        try c.encodeIfPresent(cgroupLimit, forKey: .cgroupLimit)
        try c.encode(traced, forKey: .traced)
        try c.encodeIfPresent(recentGrowth, forKey: .recentGrowth)
        guard traced else { return }
        try c.encode(growth, forKey: .growth)
        try c.encode(attributed, forKey: .attributed)
        try c.encode(explained, forKey: .explained)
        try c.encode(sites, forKey: .sites)
        try c.encode(categories, forKey: .categories)
        try c.encodeIfPresent(cgoBytes, forKey: .cgoBytes)
    }
}

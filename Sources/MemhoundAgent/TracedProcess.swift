import MemhoundABI
import CMemhoundProcess
import MemhoundOutput
import MemhoundProc

/// What the session knows of one traced process.
struct TracedProcess {
    var pid: Int32
    var comm: String?
    /// Memory at the start of tracing: growth is measured from here.
    var baseline: MemoryBytes
    var latest: MemoryBytes
    /// The kernel-side counters as last read.
    var counters = memhound_target()
    var exitStatus: Int32?
    var anonAtExit: UInt64?
    var finalWritten = false
    /// A Go program (decides the memory categories); nil until known.
    var isGo: Bool?
    /// Its GC cycles are counted (a Go program whose binary could be probed).
    var countsGoGC = false
    /// The memory cgroup as last sampled, and the container its path names.
    var cgroup: CgroupMemory?
    var container: ContainerIdentity?
    /// The pid the process sees for itself, when its pid namespace is not memhound's.
    var nsPid: Int32?
    /// RssAnon samples of the last minutes (CLOCK_MONOTONIC ns), oldest first: recent growth.
    var recentAnon: [(ns: UInt64, anon: Int64)] = []
    static let recentWindowNs: UInt64 = 300_000_000_000

    mutating func remember(anon: Int64, at ns: UInt64) {
        recentAnon.append((ns, anon))
        let cutoff = ns > Self.recentWindowNs ? ns - Self.recentWindowNs : 0
        if let keep = recentAnon.firstIndex(where: { $0.ns >= cutoff }), keep > 0 { recentAnon.removeFirst(keep) }
    }

    /// Anon growth over the last minutes (up to 5), from the oldest sample kept to `anon` now.
    func recentGrowth(anon: Int64, at ns: UInt64) -> RecentGrowth? {
        guard let oldest = recentAnon.first, ns > oldest.ns else { return nil }
        return RecentGrowth(windowS: Double(ns - oldest.ns) / 1e9, anon: anon - oldest.anon)
    }

    init(pid: Int32, comm: String?, baseline: MemoryBytes) {
        self.pid = pid
        self.comm = comm
        self.baseline = baseline
        self.latest = baseline
    }

    var exited: Bool { exitStatus != nil }
}

extension MemoryBytes {
    static let zero = MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0)

    init(_ s: ProcessStatus) {
        self.init(anon: Int64(s.rssAnon), file: Int64(s.rssFile), shmem: Int64(s.rssShmem), swap: Int64(s.vmSwap))
    }

    static func - (a: MemoryBytes, b: MemoryBytes) -> MemoryBytes {
        MemoryBytes(anon: a.anon - b.anon, file: a.file - b.file, shmem: a.shmem - b.shmem, swap: a.swap - b.swap)
    }
}

/// Splits a wait status into an exit code or a signal name.
func describeWaitStatus(_ status: Int32) -> (code: Int32?, signal: String?) {
    let sig = status & 0x7f
    if sig == 0 { return ((status >> 8) & 0xff, nil) }
    return (nil, signalName(sig))
}

func signalName(_ sig: Int32) -> String {
    memhound_signal_name(sig).map { "SIG" + String(cString: $0) } ?? "SIG\(sig)"
}

/// The exit status a shell would report for a wait status.
func shellStatus(_ status: Int32) -> Int32 {
    let sig = status & 0x7f
    return sig == 0 ? (status >> 8) & 0xff : 128 + sig
}

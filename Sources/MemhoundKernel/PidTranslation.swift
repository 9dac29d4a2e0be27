import MemhoundABI

/// The programs see host tgids; memhound, often inside a container's pid
/// namespace, sees other numbers in /proc and reports those. The tracer
/// translates at its edges: pids go in as memhound sees them, records and
/// tables come out that way. Outside a pid namespace both are the same.
struct PidTranslation {
    private var hostOf: [Int32: UInt32] = [:]
    private var nsOf: [UInt32: Int32] = [:]
    /// memhound runs in the host's pid namespace: every pid is its own translation.
    private(set) var isIdentity = true

    /// Replaces what is known with a listing of every visible process.
    mutating func learn(_ pairs: [memhound_pid_pair]) {
        isIdentity = pairs.allSatisfy { $0.host_tgid == $0.ns_tgid }
        hostOf = [:]
        nsOf = [:]
        guard !isIdentity else { return }
        for p in pairs { learn(host: p.host_tgid, ns: Int32(bitPattern: p.ns_tgid)) }
    }

    mutating func learn(host: UInt32, ns: Int32) {
        guard !isIdentity, ns > 0 else { return }
        if let old = hostOf[ns] { nsOf[old] = nil }
        hostOf[ns] = host
        nsOf[host] = ns
    }

    /// The host tgid of a pid memhound sees; nil when unknown.
    func host(_ pid: Int32) -> UInt32? {
        isIdentity ? UInt32(bitPattern: pid) : hostOf[pid]
    }

    /// The pid memhound sees for a host tgid (the host tgid itself when unknown).
    func ns(_ host: UInt32) -> Int32 {
        isIdentity ? Int32(bitPattern: host) : nsOf[host] ?? Int32(bitPattern: host)
    }

    mutating func forget(_ pid: Int32) {
        guard let host = hostOf.removeValue(forKey: pid) else { return }
        nsOf[host] = nil
    }
}

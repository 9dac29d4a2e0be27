/// One TCP retransmit of a traced process's socket (`--events tcp`, on by default).
public struct TCPRetransmitLine: Codable, Equatable, Sendable {
    public var type = "tcp_retransmit"
    public var time: String
    /// The socket's owner, not the task that happened to be on the CPU.
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    /// "ipv4" or "ipv6" (a v4-mapped peer of a dual-stack socket is "ipv4").
    public var family: String
    public var saddr: String
    public var sport: UInt16
    public var daddr: String
    public var dport: UInt16
    /// "ESTABLISHED", "SYN_SENT", ... as the kernel names TCP states.
    public var state: String
    /// "retransmit" (data, FIN or SYN) or "synack" (a listener's SYN-ACK).
    public var kind: String
    /// The retransmission attempt itself failed; `error` names why (nullable).
    public var failed: Bool
    public var error: String?
    /// Segments this attempt carried: a TSO skb sent again at once is several, and the
    /// kernel's retransmit counters (TCP_INFO total_retrans, RetransSegs) count segments.
    public var segments: UInt32
    /// The task on the CPU when it fired (0: idle or softirq): what tools reading
    /// `current` would have charged.
    public var onCPUPid: Int32
    /// The socket's own count (TCP_INFO total_retrans) after this attempt; 0 for a SYN-ACK.
    public var kernelRetrans: UInt32 = 0

    public init(time: String, pid: Int32, tid: Int32, comm: String, family: String, saddr: String,
                sport: UInt16, daddr: String, dport: UInt16, state: String, kind: String, failed: Bool,
                error: String?, segments: UInt32 = 1, onCPUPid: Int32) {
        self.time = time
        self.pid = pid
        self.tid = tid
        self.comm = comm
        self.family = family
        self.saddr = saddr
        self.sport = sport
        self.daddr = daddr
        self.dport = dport
        self.state = state
        self.kind = kind
        self.failed = failed
        self.error = error
        self.segments = segments
        self.onCPUPid = onCPUPid
    }

    enum CodingKeys: String, CodingKey {
        case type, time, pid, tid, comm, family, saddr, sport, daddr, dport, state, kind, failed, error, segments
        case onCPUPid = "on_cpu_pid", kernelRetrans = "kernel_retrans"
    }

    /// `error` is always present (null when the attempt did not fail).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(pid, forKey: .pid)
        try c.encode(tid, forKey: .tid)
        try c.encode(comm, forKey: .comm)
        try c.encode(family, forKey: .family)
        try c.encode(saddr, forKey: .saddr)
        try c.encode(sport, forKey: .sport)
        try c.encode(daddr, forKey: .daddr)
        try c.encode(dport, forKey: .dport)
        try c.encode(state, forKey: .state)
        try c.encode(kind, forKey: .kind)
        try c.encode(failed, forKey: .failed)
        try c.encode(error, forKey: .error)
        try c.encode(segments, forKey: .segments)
        try c.encode(onCPUPid, forKey: .onCPUPid)
        try c.encode(kernelRetrans, forKey: .kernelRetrans)
    }
}

/// One connection in a report's `tcp.connections`.
public struct TCPConnectionEntry: Codable, Equatable, Sendable {
    public var family: String
    public var saddr: String
    public var sport: UInt16
    public var daddr: String
    public var dport: UInt16
    /// All its retransmits, SYN-ACKs included; `synack` and `failed` are of these.
    public var retransmits: UInt64
    public var synack: UInt64
    public var failed: UInt64
    /// Segments sent again by the attempts that did not fail.
    public var segments: UInt64
    /// TCP state at its last retransmit.
    public var state: String
    /// The socket's own count (TCP_INFO total_retrans) at its last retransmit.
    public var kernelRetrans: UInt64 = 0
    /// Segments that count showed retransmitted between two of memhound's records,
    /// or after the last one by the socket's end, with no record of their own:
    /// attempts missed (expected 0).
    public var missed: UInt64 = 0

    public init(family: String, saddr: String, sport: UInt16, daddr: String, dport: UInt16,
                retransmits: UInt64, synack: UInt64, failed: UInt64, segments: UInt64 = 0, state: String) {
        self.family = family
        self.saddr = saddr
        self.sport = sport
        self.daddr = daddr
        self.dport = dport
        self.retransmits = retransmits
        self.synack = synack
        self.failed = failed
        self.segments = segments
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case family, saddr, sport, daddr, dport, retransmits, synack, failed, segments, state, missed
        case kernelRetrans = "kernel_retrans"
    }
}

/// A report's `tcp`: the process's retransmits since tracing began.
public struct TCPReport: Codable, Equatable, Sendable {
    /// Counted in the kernel: exact even when records were lost.
    public var retransmits: UInt64
    public var synack: UInt64
    public var failed: UInt64
    /// Segments sent again by the attempts that did not fail (what TCP_INFO's
    /// total_retrans counts, less the segments of attempts that failed while transmitting).
    public var segments: UInt64
    /// Retransmits in the process's network namespace whose socket owner was unknown
    /// (they may or may not be this process's).
    public var unattributed: UInt64
    /// The connections with the most retransmits (at most --top).
    public var connections: [TCPConnectionEntry]
    /// Connections with retransmits beyond `connections`.
    public var otherConnections: Int
    /// Retransmits of traced processes the kernel could not count (its table full), all processes together.
    public var lost: UInt64

    public init(retransmits: UInt64 = 0, synack: UInt64 = 0, failed: UInt64 = 0, segments: UInt64 = 0,
                unattributed: UInt64 = 0,
                connections: [TCPConnectionEntry] = [], otherConnections: Int = 0, lost: UInt64 = 0) {
        self.retransmits = retransmits
        self.synack = synack
        self.failed = failed
        self.segments = segments
        self.unattributed = unattributed
        self.connections = connections
        self.otherConnections = otherConnections
        self.lost = lost
    }

    enum CodingKeys: String, CodingKey {
        case retransmits, synack, failed, segments, unattributed, connections, lost
        case otherConnections = "other_connections"
    }
}

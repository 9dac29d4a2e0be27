import MemhoundEvents

/// One TCP connection of a process: local and remote address and port.
public struct TCPConnection: Hashable, Sendable {
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var destinationPort: UInt16

    public init(source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16) {
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
    }

    /// nil when the record's family is neither AF_INET nor AF_INET6.
    public init?(_ r: TCPRetransmit) {
        guard let source = IPAddress(socketFamily: r.family, raw: r.saddr),
              let destination = IPAddress(socketFamily: r.family, raw: r.daddr) else { return nil }
        self.init(source: source, sourcePort: r.sport, destination: destination, destinationPort: r.dport)
    }

    public var family: IPAddress.Family { source.family }
}

/// What one connection retransmitted.
public struct TCPRetransmitCounts: Equatable, Sendable {
    /// Every retransmit, SYN-ACKs included.
    public var retransmits: UInt64 = 0
    public var synack: UInt64 = 0
    public var failed: UInt64 = 0
    /// Segments sent again by the attempts that did not fail.
    public var segments: UInt64 = 0
    /// TCP state at the last retransmit.
    public var lastState: UInt8 = 0
    /// CLOCK_MONOTONIC ns of the last retransmit.
    public var lastTime: UInt64 = 0
    /// The socket's total_retrans (TCP_INFO) at the last retransmit seen; 0 before one.
    public var kernelTotal: UInt64 = 0
    /// Segments the kernel counted between two retransmits seen that no record
    /// accounts for: attempts memhound missed.
    public var missed: UInt64 = 0

    public init() {}

    /// The socket's final count (it was destroyed): attempts after the last record that no record accounts for.
    mutating func close(totalRetrans: UInt32) {
        reconcile(UInt64(totalRetrans), own: 0, failed: false)
    }

    /// The socket's count is now `total`, of which an attempt of `own` segments may account for some; the
    /// rest is missed. Needs a base: an earlier retransmit of the socket (earlier ones may predate tracing).
    private mutating func reconcile(_ total: UInt64, own: UInt64, failed: Bool) {
        if retransmits - synack > (own > 0 || failed ? 1 : 0), total > kernelTotal {
            let delta = total - kernelTotal
            // A failed attempt may or may not have been counted.
            missed += failed && delta < own ? delta : delta - min(delta, own)
        }
        kernelTotal = max(kernelTotal, total)
    }

    mutating func add(_ r: TCPRetransmit) {
        retransmits += 1
        if r.kind == .synack { synack += 1 }
        if r.failed { failed += 1 } else { segments += UInt64(r.segments) }
        lastState = r.state
        lastTime = max(lastTime, r.time)
        guard r.kind == .retransmit else { return }
        reconcile(UInt64(r.totalRetrans), own: UInt64(r.segments), failed: r.failed)
    }
}

/// Retransmits per process and connection, from the ring buffer's records.
/// The kernel's per-process counters stay the totals; this is the breakdown.
public struct TCPRetransmitLedger: Sendable {
    /// Connections kept per process; retransmits of further ones only count in `unlisted`.
    public let maxConnections: Int
    public private(set) var connections: [Int32: [TCPConnection: TCPRetransmitCounts]] = [:]
    /// Retransmits per process of connections past `maxConnections`, or of an unknown family.
    public private(set) var unlisted: [Int32: UInt64] = [:]

    public init(maxConnections: Int = 65536) {
        self.maxConnections = maxConnections
    }

    public mutating func add(_ r: TCPRetransmit) {
        if r.kind == .closed {
            // Only connections with a retransmit seen have a known base to compare with.
            if let connection = TCPConnection(r) { connections[r.tgid]?[connection]?.close(totalRetrans: r.totalRetrans) }
            return
        }
        guard let connection = TCPConnection(r) else {
            unlisted[r.tgid, default: 0] += 1
            return
        }
        if connections[r.tgid]?[connection] == nil, (connections[r.tgid]?.count ?? 0) >= maxConnections {
            unlisted[r.tgid, default: 0] += 1
            return
        }
        connections[r.tgid, default: [:]][connection, default: TCPRetransmitCounts()].add(r)
    }

    /// The `limit` connections of `pid` with the most retransmits (ties: most recent
    /// first), and how many more there are.
    public func top(pid: Int32, limit: Int) -> (connections: [(TCPConnection, TCPRetransmitCounts)], others: Int) {
        let all = (connections[pid] ?? [:]).sorted { a, b in
            (a.value.retransmits, a.value.lastTime) > (b.value.retransmits, b.value.lastTime)
        }
        return (all.prefix(limit).map { ($0.key, $0.value) }, max(0, all.count - limit))
    }

    public mutating func forget(pid: Int32) {
        connections[pid] = nil
        unlisted[pid] = nil
    }
}

import MemhoundABI

/// One TCP retransmit of a socket owned by a traced process, charged to that
/// owner (not to whichever task was on the CPU when the timer fired).
public struct TCPRetransmit: Sendable, Equatable {
    public enum Kind: UInt32, Sendable {
        /// A data, FIN or SYN segment sent again (tcp:tcp_retransmit_skb).
        case retransmit = 1
        /// A SYN-ACK sent again by a listener (tcp:tcp_retransmit_synack).
        case synack = 2
        /// Not a retransmit: a socket that retransmitted was destroyed; `totalRetrans` is its final count.
        case closed = 3
    }

    public var kind: Kind
    /// The socket's owner: the process (and thread) that last used it in process context.
    public var tgid: Int32
    public var tid: Int32
    public var comm: String
    public var time: UInt64
    /// 2 (AF_INET) or 10 (AF_INET6) as the socket has it; a v4-mapped peer keeps 10.
    public var family: UInt16
    /// 16 bytes in network order; AF_INET uses the first 4.
    public var saddr: [UInt8]
    public var daddr: [UInt8]
    public var sport: UInt16
    public var dport: UInt16
    /// The kernel's TCP state number (1 ESTABLISHED ... 12 NEW_SYN_RECV).
    public var state: UInt8
    /// 0, or the negative errno of a retransmission attempt that failed.
    public var error: Int32
    /// The task that was on the CPU when it fired (what `current`-based tools report).
    public var onCPUTgid: Int32
    /// Inode number of the socket's network namespace.
    public var netns: UInt32
    /// Segments the attempt carried (a TSO skb sent again at once is several); TCP_INFO counts segments.
    public var segments: UInt32
    /// Retransmit: the socket's total_retrans after the attempt (TCP_INFO's count); SYN-ACK: 0.
    public var totalRetrans: UInt32

    public init(kind: Kind, tgid: Int32, tid: Int32, comm: String, time: UInt64, family: UInt16,
                saddr: [UInt8], daddr: [UInt8], sport: UInt16, dport: UInt16, state: UInt8,
                error: Int32 = 0, onCPUTgid: Int32 = 0, netns: UInt32 = 0, segments: UInt32 = 1,
                totalRetrans: UInt32 = 0) {
        self.kind = kind
        self.tgid = tgid
        self.tid = tid
        self.comm = comm
        self.time = time
        self.family = family
        self.saddr = saddr
        self.daddr = daddr
        self.sport = sport
        self.dport = dport
        self.state = state
        self.error = error
        self.onCPUTgid = onCPUTgid
        self.netns = netns
        self.segments = segments
        self.totalRetrans = totalRetrans
    }

    public var failed: Bool { error != 0 }
}

extension RecordDecoder {
    static func tcpRetransmit(_ r: memhound_tcp_record) throws(DecodeError) -> TCPRetransmit {
        guard let kind = TCPRetransmit.Kind(rawValue: r.event) else {
            throw .unknownValue(field: "tcp event", value: r.event)
        }
        let address = { (bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) in
            withUnsafeBytes(of: bytes) { Array($0) }
        }
        return TCPRetransmit(
            kind: kind, tgid: Int32(bitPattern: r.hdr.tgid), tid: Int32(bitPattern: r.hdr.tid),
            comm: commString(r.comm), time: r.hdr.time_ns, family: r.family,
            saddr: address(r.saddr), daddr: address(r.daddr), sport: r.sport, dport: r.dport,
            state: r.state, error: r.err, onCPUTgid: Int32(bitPattern: r.on_cpu_tgid), netns: r.netns,
            segments: r.segments, totalRetrans: r.total_retrans)
    }
}

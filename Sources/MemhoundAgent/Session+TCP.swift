import Glibc
import MemhoundEvents
import MemhoundKernel
import MemhoundNet
import MemhoundOutput

/// What a session keeps about TCP: the per-connection breakdown of the
/// retransmit records, and the network namespace of each traced process.
struct TCPSessionState {
    var ledger = TCPRetransmitLedger()
    /// Inode of each traced process's network namespace as last read (kept after it exits).
    var netns: [Int32: UInt32] = [:]
}

extension Session {
    /// Loads the TCP programs over the tracer's maps, attaches them, then
    /// records the owners of the sockets already open (in that order, so that
    /// no socket falls between the two).
    static func loadTCP(_ tracer: Tracer) throws(KernelError) -> TCPTracer {
        let tcp = try TCPTracer(tracer: tracer)
        try tcp.attachAndSeed()
        return tcp
    }

    func handle(_ r: TCPRetransmit) throws {
        tcpState.ledger.add(r)
        guard r.kind != .closed else { return }
        let line = TCPLines.retransmit(r, time: clock.rfc3339(monotonicNs: r.time))
        publish(.tcpRetransmit(line))
        guard options.events.contains(.tcp) else { return }
        try writer.write(line, droppable: true)
    }

    /// A report's `tcp`: the kernel's counters, the top connections, and the
    /// retransmits of unknown owner in the process's network namespace.
    func tcpReport(pid: Int32) -> TCPReport {
        let counts = tcp.counts(pid: pid)
        if let inode = networkNamespace(pid: pid) { tcpState.netns[pid] = inode }
        let unattributed = tcpState.netns[pid].map { tcp.unattributed(netns: $0).retransmits } ?? 0
        let top = tcpState.ledger.top(pid: pid, limit: options.top)
        return TCPReport(
            retransmits: counts.retransmits, synack: counts.synack, failed: counts.failed, segments: counts.segments,
            unattributed: unattributed, connections: top.connections.map(TCPLines.entry),
            otherConnections: top.others, lost: tcp.lost)
    }

    /// After a process's final report: its counters leave the kernel and the ledger.
    func forgetTCP(pid: Int32) {
        tcp.removeTarget(pid: pid)
        tcpState.ledger.forget(pid: pid)
    }

    /// The inode of /proc/PID/ns/net (what the kernel records as the socket's netns), or nil.
    func networkNamespace(pid: Int32) -> UInt32? {
        var st = stat()
        guard stat(proc.path("proc/\(pid)/ns/net"), &st) == 0 else { return nil }
        return UInt32(truncatingIfNeeded: st.st_ino)
    }
}

/// `tcp_retransmit` lines and report entries from decoded records.
enum TCPLines {
    static func retransmit(_ r: TCPRetransmit, time: String) -> TCPRetransmitLine {
        let connection = TCPConnection(r)
        var line = TCPRetransmitLine(
            time: time, pid: r.tgid, tid: r.tid, comm: r.comm,
            family: connection?.family.rawValue ?? "af\(r.family)",
            saddr: connection.map { "\($0.source)" } ?? "", sport: r.sport,
            daddr: connection.map { "\($0.destination)" } ?? "", dport: r.dport,
            state: TCPState.name(r.state), kind: r.kind == .synack ? "synack" : "retransmit",
            failed: r.failed, error: r.failed ? EventLines.errnoName(-r.error) : nil, segments: r.segments,
            onCPUPid: r.onCPUTgid)
        line.kernelRetrans = r.totalRetrans
        return line
    }

    static func entry(_ connection: TCPConnection, _ c: TCPRetransmitCounts) -> TCPConnectionEntry {
        var entry = TCPConnectionEntry(
            family: connection.family.rawValue, saddr: "\(connection.source)", sport: connection.sourcePort,
            daddr: "\(connection.destination)", dport: connection.destinationPort,
            retransmits: c.retransmits, synack: c.synack, failed: c.failed, segments: c.segments,
            state: TCPState.name(c.lastState))
        entry.kernelRetrans = c.kernelTotal
        entry.missed = c.missed
        return entry
    }
}

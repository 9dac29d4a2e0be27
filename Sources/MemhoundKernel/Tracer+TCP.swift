import MemhoundABI
import CMemhoundBPF

/// The TCP retransmit programs, loaded over the tracer's target set and ring
/// buffer: their records arrive through `Tracer.poll` like the others.
/// Not thread-safe: one agent loop owns it.
public final class TCPTracer {
    /// Keeps the shared maps alive as long as these programs use them.
    private let tracer: Tracer
    private let handle: OpaquePointer

    /// Opens and loads the programs; nothing is attached yet.
    public init(tracer: Tracer) throws(KernelError) {
        var out: OpaquePointer?
        let err = memhound_tcp_open(tracer.handle, &out)
        guard err == 0, let out else {
            throw KernelError(step: .load, errno: -err, log: Tracer.libbpfLog)
        }
        self.tracer = tracer
        handle = out
    }

    deinit { memhound_tcp_destroy(handle) }

    /// Attaches the tracepoints, then records the owners of the sockets open now.
    /// Returns how many existing sockets it found.
    @discardableResult
    public func attachAndSeed() throws(KernelError) -> Int {
        var err = memhound_tcp_attach(handle)
        if err == 0 { err = memhound_tcp_seed(handle) }
        guard err >= 0 else {
            let name = memhound_tcp_failed_program(handle).map { String(cString: $0) } ?? "a TCP program"
            throw KernelError(step: .attach(program: name), errno: -err, log: Tracer.libbpfLog)
        }
        return Int(err)
    }

    /// The kernel's retransmit counters of a traced process (zeros when none).
    public func counts(pid: Int32) -> memhound_tcp_counts {
        var out = memhound_tcp_counts()
        guard let host = tracer.pids.host(pid) else { return out }
        _ = memhound_tcp_read_counts(handle, host, &out)
        return out
    }

    /// Retransmits in a network namespace whose socket owner was unknown.
    public func unattributed(netns: UInt32) -> memhound_tcp_counts {
        var out = memhound_tcp_counts()
        _ = memhound_tcp_read_unattributed(handle, netns, &out)
        return out
    }

    /// Retransmits the kernel could not count: of traced processes when the table was full,
    /// of anyone when it skipped the retransmit programs.
    public var lost: UInt64 { memhound_tcp_lost(handle) }

    /// Runs of any TCP program the kernel skipped (one already running on that CPU).
    public var missedRuns: UInt64 { memhound_tcp_missed_runs(handle) }

    public func removeTarget(pid: Int32) {
        guard let host = tracer.pids.host(pid) else { return }
        memhound_tcp_remove_target(handle, host)
    }
}

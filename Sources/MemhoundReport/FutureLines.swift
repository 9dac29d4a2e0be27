/// Line types the report shows but memhound does not write yet. Decoded leniently (every field optional)
/// so that the report reads them the day they appear, whatever extra fields they carry.

/// An `alert` line: something memhound judged worth a human's attention.
public struct AlertLine: Decodable, Equatable, Sendable {
    public var time: String
    public var pid: Int32?
    public var kind: String?
    public var severity: String?
    public var message: String?
}

/// An `oom_kill` line: the kernel's OOM killer ended a process.
public struct OOMKillLine: Decodable, Equatable, Sendable {
    public var time: String
    public var pid: Int32?
    public var comm: String?
    /// Resident anonymous bytes of the killed process, when known.
    public var anon: UInt64?

    enum CodingKeys: String, CodingKey { case time, pid, comm, anon }
}

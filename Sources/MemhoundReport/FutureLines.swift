/// Line types the report reads leniently (every field optional), whatever extra fields they carry:
/// `alert` lines are not written yet; of an `oom_kill` line the report needs only a few fields.

/// An `alert` line: something memhound judged worth a human's attention.
public struct AlertLine: Decodable, Equatable, Sendable {
    public var time: String
    public var pid: Int32?
    public var kind: String?
    public var severity: String?
    public var message: String?
}

/// What the report shows of an `oom_kill` line (docs/schema/oom_kill.schema.json): the kernel's
/// OOM killer chose a traced process.
public struct OOMKillMark: Decodable, Equatable, Sendable {
    public var time: String
    public var pid: Int32?
    public var comm: String?
    /// Resident anonymous bytes of the victim when the kernel chose it.
    public var anon: UInt64?

    enum CodingKeys: String, CodingKey {
        case time, pid, comm
        case anon = "anon_rss"
    }
}

/// A traced memory syscall (`--events mmap,munmap,...`). `type` is the syscall's name.
public struct SyscallLine: Codable, Equatable, Sendable {
    public var type: String
    public var time: String
    public var pid: Int32
    public var tid: Int32
    public var durationNs: UInt64
    /// Hex address for mmap/mremap/brk, else the return value; absent on failure.
    public var result: String?
    /// errno name on failure, e.g. "ENOMEM".
    public var error: String?
    public var addr: String?
    public var length: UInt64?
    public var prot: String?
    public var flags: [String]?
    public var fd: Int32?
    public var fileOffset: UInt64?
    public var newLength: UInt64?
    public var advice: String?
    /// Net ANON bytes the thread changed during the call (measured by the kernel).
    public var anonDelta: Int64
    public var frames: [Frame]

    public init(type: String, time: String, pid: Int32, tid: Int32, durationNs: UInt64,
                anonDelta: Int64, frames: [Frame]) {
        self.type = type
        self.time = time
        self.pid = pid
        self.tid = tid
        self.durationNs = durationNs
        self.anonDelta = anonDelta
        self.frames = frames
    }

    enum CodingKeys: String, CodingKey {
        case type, time, pid, tid, result, error, addr, length, prot, flags, fd, advice, frames
        case durationNs = "duration_ns", fileOffset = "file_offset", newLength = "new_length"
        case anonDelta = "anon_delta"
    }
}

/// Pages one thread made resident in one run with one stack (`--events rss`).
public struct GrowthLine: Codable, Equatable, Sendable {
    public var type = "rss_growth"
    public var time: String
    public var pid: Int32
    public var tid: Int32
    public var start: String
    public var end: String
    public var bytes: UInt64
    public var faults: UInt32
    public var frames: [Frame]

    public init(time: String, pid: Int32, tid: Int32, start: String, end: String, bytes: UInt64,
                faults: UInt32, frames: [Frame]) {
        self.time = time
        self.pid = pid
        self.tid = tid
        self.start = start
        self.end = end
        self.bytes = bytes
        self.faults = faults
        self.frames = frames
    }
}

/// A followed child was forked, or a target exec'd a new program.
public struct ProcessLine: Codable, Equatable, Sendable {
    public var type: String
    public var time: String
    public var pid: Int32
    public var parentPid: Int32?
    public var comm: String

    public init(type: String, time: String, pid: Int32, parentPid: Int32?, comm: String) {
        self.type = type
        self.time = time
        self.pid = pid
        self.parentPid = parentPid
        self.comm = comm
    }

    enum CodingKeys: String, CodingKey {
        case type, time, pid, comm
        case parentPid = "parent_pid"
    }
}

/// Selected fields of /proc/PID/stat.
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int32
    /// Raw comm: unlike status, stat does not escape it, so it may hold ")", spaces or newlines.
    public var comm: String
    /// Field 3: R, S, D, Z, T, t, X, I, ...
    public var state: Character
    public var ppid: Int32
    /// Field 9: PF_* flags of the task.
    public var flags: UInt64
    /// Field 22: start time after boot, in clock ticks.
    public var startTime: UInt64

    /// PF_KTHREAD from include/linux/sched.h.
    public static let kernelThreadFlag: UInt64 = 0x0020_0000

    public var isKernelThread: Bool { flags & Self.kernelThreadFlag != 0 }

    public init(pid: Int32, comm: String, state: Character, ppid: Int32, flags: UInt64, startTime: UInt64) {
        self.pid = pid
        self.comm = comm
        self.state = state
        self.ppid = ppid
        self.flags = flags
        self.startTime = startTime
    }

    /// Parses "pid (comm) state ppid ...". comm is delimited by the first "(" and the
    /// LAST ")", because the process chooses its comm and may put ") " in it.
    public static func parse(_ text: String) throws -> ProcessStat {
        let utf8 = text.utf8
        guard let open = utf8.firstIndex(of: UInt8(ascii: "(")),
              let close = utf8.lastIndex(of: UInt8(ascii: ")")),
              open < close
        else { throw ProcError.malformed("stat: no (comm)") }

        guard let pid = Int32(Substring(utf8[..<open]).trimmingBlanks())
        else { throw ProcError.malformed("stat: bad pid") }
        let comm = String(Substring(utf8[utf8.index(after: open)..<close]))

        // Fields after the comm, numbered from 3 (state) as in proc(5).
        let rest = Substring(utf8[utf8.index(after: close)...])
            .split(whereSeparator: { $0 == " " || $0 == "\n" })
        func field(_ number: Int) -> Substring? {
            let index = number - 3
            return index < rest.count ? rest[index] : nil
        }
        guard let stateField = field(3), stateField.count == 1, let state = stateField.first,
              let ppid = field(4).flatMap({ Int32($0) }),
              let flags = field(9).flatMap({ UInt64($0) }),
              let startTime = field(22).flatMap({ UInt64($0) })
        else { throw ProcError.malformed("stat: missing or bad fields after comm") }

        return ProcessStat(pid: pid, comm: comm, state: state, ppid: ppid, flags: flags, startTime: startTime)
    }
}

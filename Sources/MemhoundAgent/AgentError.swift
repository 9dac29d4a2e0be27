import CMemhoundProcess
import Glibc
import MemhoundOutput

/// Documented exit codes (docs/cli.md). `memhound run` otherwise exits with its command's status.
public enum ExitCode: Int32, Sendable {
    case success = 0
    case noSuchProcess = 3
    case targetExited = 4
    case kernelThread = 5
    case permission = 6
    case unsupported = 7
    case bpfFailed = 8
    case output = 9
    /// `watch --cgroup`: not a cgroup directory memhound can watch.
    case badCgroup = 10
    case usage = 64
    case commandNotExecutable = 126
    case commandNotFound = 127
}

/// A failure reported to the user as one line on stderr, with its exit code.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    public var code: ExitCode
    public var message: String
    /// Extra diagnostics (libbpf's messages) shown with --verbose.
    public var detail: String

    public init(_ code: ExitCode, _ message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { message }
}

extension AgentError {
    /// What failed, the errno by name, and what to do.
    public init(_ failure: OutputFailed) {
        let err = failure.errno
        let name = memhound_errno_name(err).map { String(cString: $0) } ?? "errno \(err)"
        let hint: String
        switch err {
        case ENOSPC, EDQUOT: hint = "; free space or write elsewhere with -o FILE"
        case EBADF: hint = "; it is not open for writing: give -o FILE"
        default: hint = ""
        }
        self.init(.output, "writing to \(failure.destination) failed: \(String(cString: strerror(err))) (\(name))\(hint)")
    }
}

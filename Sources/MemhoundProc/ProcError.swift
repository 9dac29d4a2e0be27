#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Failures reading /proc or /sys. Descriptions are single-line user messages.
public enum ProcError: Error, Equatable, Sendable {
    /// The process is gone (ENOENT/ESRCH on a /proc/PID file), or never existed.
    case noSuchProcess(Int32)
    case unreadable(String, errno: Int32)
    /// The file was read but did not have the expected shape.
    case malformed(String)
}

extension ProcError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noSuchProcess(let pid):
            return "no such process: \(pid)"
        case .unreadable(let path, let code):
            return "cannot read \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .malformed(let what):
            return "malformed \(what)"
        }
    }
}

import Glibc
import MemhoundOutput

/// The profile files asked for on the command line, written once tracing has ended.
public struct ProfileFiles: Sendable, Equatable {
    public var pprof: String?
    public var folded: String?

    public init(pprof: String? = nil, folded: String? = nil) {
        self.pprof = pprof
        self.folded = folded
    }

    public var isEmpty: Bool { pprof == nil && folded == nil }

    /// Writes every file asked for, each independently of the others' failure; returns what failed,
    /// one message per file ("cannot write PATH: reason").
    public func write(_ reports: [ReportLine], mainExecutable: String?) -> [String] {
        var failures: [String] = []
        if let pprof {
            do {
                try Self.write(PprofProfile.encoded(reports, mainExecutable: mainExecutable), to: pprof)
            } catch {
                failures.append("cannot write pprof profile \(pprof): \(error)")
            }
        }
        if let folded {
            do { try Self.write(Array(FoldedStacks.text(reports).utf8), to: folded) } catch {
                failures.append("cannot write folded stacks \(folded): \(error)")
            }
        }
        return failures
    }

    struct WriteFailed: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }

    /// Creates or truncates `path`; every byte written or an error with the errno.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteFailed(errno: errno) }
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                let err = n < 0 ? errno : EIO
                close(fd)
                throw WriteFailed(errno: err)
            }
            done += n
        }
        // close reports late errors (NFS, quota) that write did not.
        guard close(fd) == 0 else { throw WriteFailed(errno: errno) }
    }
}

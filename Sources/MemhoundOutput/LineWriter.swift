import Foundation

/// The reader of our output went away (closed pipe): stop quietly.
public struct OutputClosed: Error {}

/// Writes one JSON object per line to a file descriptor.
public final class LineWriter {
    private let fd: Int32
    private let ownsFD: Bool
    private let encoder: JSONEncoder

    /// Writes to stdout.
    public init() {
        fd = STDOUT_FILENO
        ownsFD = false
        encoder = Self.makeEncoder()
    }

    /// Creates or truncates `path`.
    public init(path: String) throws {
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        fd = opened
        ownsFD = true
        encoder = Self.makeEncoder()
    }

    deinit { if ownsFD { close(fd) } }

    static func makeEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public func write(_ line: some Encodable) throws {
        var data = try encoder.encode(line)
        data.append(0x0A)
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { throw OutputClosed() }
                    throw CocoaError(.fileWriteUnknown)
                }
                offset += n
            }
        }
    }
}

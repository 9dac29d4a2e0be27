import Foundation

/// The reader of our output went away (closed pipe): stop quietly.
public struct OutputClosed: Error {}

/// Writing the output failed for good (disk full, a closed descriptor, an I/O error).
public struct OutputFailed: Error {
    /// "stdout" or the -o path.
    public var destination: String
    public var errno: Int32
}

/// Writes one JSON object per line to a file descriptor, from a thread of its
/// own: a slow or blocked reader never stops the caller (which must keep the
/// kernel's ring buffer drained). Lines queue up to `limit` bytes; past that,
/// lines marked droppable are dropped and counted, the others still queue.
/// A write error is reported by the next call (and by `flush`).
public final class LineWriter: @unchecked Sendable {
    private let fd: Int32
    private let ownsFD: Bool
    private let destination: String
    private let encoder: JSONEncoder
    private let limit: Int
    /// Guards everything below.
    private let condition = NSCondition()
    private var queue: [Data] = []
    private var queuedBytes = 0
    private var writing = false
    private var failure: Error?
    private var dropped: UInt64 = 0

    /// Writes to stdout.
    public init(queueLimit: Int = 16 << 20) throws {
        fd = STDOUT_FILENO
        ownsFD = false
        destination = "stdout"
        encoder = Self.makeEncoder()
        limit = queueLimit
        // A closed stdout is an error now, not after tracing started.
        if fcntl(fd, F_GETFL) < 0 { throw OutputFailed(destination: destination, errno: EBADF) }
        start()
    }

    /// Creates or truncates `path`.
    public init(path: String, queueLimit: Int = 16 << 20) throws {
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        fd = opened
        ownsFD = true
        destination = path
        encoder = Self.makeEncoder()
        limit = queueLimit
        start()
    }

    // The writing thread keeps the writer (and its descriptor) for the life of the process.

    static func makeEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// Lines dropped so far because the output fell behind.
    public var droppedLines: UInt64 {
        condition.lock(); defer { condition.unlock() }
        return dropped
    }

    /// Bytes queued and not yet written.
    public var pendingBytes: Int {
        condition.lock(); defer { condition.unlock() }
        return queuedBytes
    }

    /// Queues a line. `droppable`: a line a later one supersedes (events,
    /// periodic reports), dropped when the queue is over its limit.
    public func write(_ line: some Encodable, droppable: Bool = false) throws {
        var data = try encoder.encode(VersionedLine(line: line))
        data.append(0x0A)
        condition.lock(); defer { condition.unlock() }
        if let failure { throw failure }
        if droppable && queuedBytes >= limit {
            dropped += 1
            return
        }
        queue.append(data)
        queuedBytes += data.count
        condition.broadcast()
    }

    /// Waits until every queued line is written, or `giveUp` says to stop
    /// waiting (polled every 100 ms). Returns false when lines were left.
    @discardableResult
    public func flush(giveUp: () -> Bool = { false }) throws -> Bool {
        condition.lock(); defer { condition.unlock() }
        while failure == nil && (!queue.isEmpty || writing) {
            if giveUp() { return false }
            condition.wait(until: Date().addingTimeInterval(0.1))
        }
        if let failure { throw failure }
        return true
    }

    private func start() {
        let t = Thread { self.drain() }
        t.name = "memhound-output"
        t.start()
    }

    private func drain() {
        condition.lock()
        while true {
            guard failure == nil, !queue.isEmpty else {
                condition.wait()
                continue
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            writing = true
            condition.unlock()
            let error = writeAll(batch)
            condition.lock()
            writing = false
            queuedBytes -= batch.reduce(0) { $0 + $1.count }
            if let error { failure = error }
            condition.broadcast()
        }
        condition.unlock()
    }

    private func writeAll(_ lines: [Data]) -> Error? {
        for line in lines {
            let error: Error? = line.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        if errno == EPIPE { return OutputClosed() }
                        let err = errno
                        // A file keeps whole lines only: cut what this line left half-written.
                        if offset > 0, ownsFD, lseek(fd, -off_t(offset), SEEK_CUR) >= 0 {
                            _ = ftruncate(fd, lseek(fd, 0, SEEK_CUR))
                        }
                        return OutputFailed(destination: destination, errno: err)
                    }
                    offset += n
                }
                return nil
            }
            if let error { return error }
        }
        return nil
    }
}

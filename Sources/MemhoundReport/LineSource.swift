import Foundation

/// The lines of a file or stdin, read in large chunks: memory stays bounded by the longest line, however
/// large the file (runs with `--events` write hundreds of MB of event lines).
struct LineSource {
    private let fd: Int32
    private var buffer: [UInt8]
    /// Bytes of `buffer` read and not yet handed out.
    private var start = 0
    private var end = 0
    private var atEOF = false

    init(fd: Int32, chunk: Int = 1 << 20) {
        self.fd = fd
        buffer = [UInt8](repeating: 0, count: chunk)
    }

    /// Calls `body` with each line (without its newline); `terminated` is false for a last line that has no
    /// newline (a run killed mid-write). The bytes are valid only during the call.
    mutating func forEach(_ body: (UnsafeRawBufferPointer, _ terminated: Bool) throws -> Void) throws {
        while true {
            if let newline = indexOfNewline() {
                try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<newline]), true) }
                start = newline + 1
                continue
            }
            if atEOF {
                if start < end {
                    try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end]), false) }
                }
                return
            }
            try refill()
        }
    }

    private func indexOfNewline() -> Int? {
        guard start < end else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let found = memchr(raw.baseAddress! + start, 0x0A, end - start) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(found))
        }
    }

    /// Moves the partial line to the front (growing the buffer for a line longer than it) and reads more.
    private mutating func refill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, $0.count - end) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw ReportFailure(.unreadable, "reading failed: \(String(cString: strerror(errno)))") }
            if n == 0 { atEOF = true } else { end += n }
            return
        }
    }
}

/// The `type` of a memhound line without decoding it: the last `"type":"` in the line. Lines are written
/// with sorted keys and no nested object has a `type` key, so the last one is the line's own; a quote
/// inside a string value is always escaped, so a frame name cannot fake one. nil when there is none.
func lineType(_ line: UnsafeRawBufferPointer) -> Substring? {
    let key = Array(#""type":""#.utf8)
    guard line.count > key.count else { return nil }
    var i = line.count - key.count
    while i >= 0 {
        if line[i] == 0x22, line[i + 1] == 0x74, zip(key.indices, key).allSatisfy({ line[i + $0] == $1 }) {
            let valueStart = i + key.count
            guard let close = line[valueStart...].firstIndex(of: 0x22) else { return nil }
            return Substring(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<close]), as: UTF8.self)
        }
        i -= 1
    }
    return nil
}

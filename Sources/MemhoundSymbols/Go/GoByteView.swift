/// Bounds-checked little-endian reads over a byte array. Every read past the
/// end returns nil, so offsets taken from a hostile file can never trap.
struct GoByteView: Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    /// True when `length` bytes starting at `offset` are inside the data.
    func contains(_ offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    func u8(_ offset: Int) -> UInt8? {
        contains(offset, length: 1) ? bytes[offset] : nil
    }

    func u16(_ offset: Int) -> UInt16? {
        contains(offset, length: 2) ? UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 : nil
    }

    func u32(_ offset: Int) -> UInt32? {
        guard contains(offset, length: 4) else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        return v
    }

    func i32(_ offset: Int) -> Int32? { u32(offset).map { Int32(bitPattern: $0) } }

    func u64(_ offset: Int) -> UInt64? {
        guard contains(offset, length: 8) else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return v
    }

    /// A pointer-sized word (4 or 8 bytes).
    func word(_ offset: Int, size: Int) -> UInt64? {
        size == 8 ? u64(offset) : u32(offset).map(UInt64.init)
    }

    /// A NUL-terminated string of at most `limit` bytes; nil when unterminated.
    func cString(_ offset: Int, limit: Int = 4096) -> String? {
        guard contains(offset, length: 0) else { return nil }
        let end = min(bytes.count, offset + min(limit, bytes.count - offset))
        guard let nul = bytes[offset..<end].firstIndex(of: 0) else { return nil }
        return String(decoding: bytes[offset..<nul], as: UTF8.self)
    }
}

extension Int {
    /// `a + b` as a table offset, or nil when it overflows or is negative.
    static func offset(_ a: Int, _ b: UInt64) -> Int? {
        guard a >= 0, b <= UInt64(Int.max) else { return nil }
        let (sum, overflow) = a.addingReportingOverflow(Int(b))
        return overflow ? nil : sum
    }
}

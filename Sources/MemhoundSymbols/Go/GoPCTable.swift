/// Decodes Go's pc-value tables (pcsp, pcfile, pcln, pcdata): a run of
/// (zig-zag value delta, pc delta / quantum) varint pairs, ended by a zero
/// value delta after the first pair. See runtime.pcvalue.
enum GoPCTable {
    /// Upper bound on pairs read from one table; real tables stay far below.
    static let maxSteps = 1 << 20

    /// The value in force at `target` for a function starting at `entry`, or
    /// nil when the table does not cover `target` or is malformed.
    static func value(_ data: GoByteView, at offset: Int, entry: UInt64, target: UInt64,
                      quantum: UInt64) -> Int32? {
        guard target >= entry else { return nil }
        var position = offset
        var pc = entry
        var value: Int32 = -1
        for step in 0..<maxSteps {
            guard let valueDelta = readVarint(data, &position) else { return nil }
            if valueDelta == 0 && step > 0 { return nil }
            guard let pcDelta = readVarint(data, &position) else { return nil }
            // Zig-zag: the low bit says the delta is negative.
            let delta = valueDelta & 1 != 0 ? ~(valueDelta >> 1) : valueDelta >> 1
            value = value &+ Int32(bitPattern: delta)
            let (next, overflow) = pc.addingReportingOverflow(UInt64(pcDelta) &* quantum)
            if overflow { return nil }
            pc = next
            if target < pc { return value }
        }
        return nil
    }

    /// A uint32 varint; at most 5 bytes, as Go writes them.
    static func readVarint(_ data: GoByteView, _ position: inout Int) -> UInt32? {
        var result: UInt32 = 0
        for i in 0..<5 {
            guard let byte = data.u8(position) else { return nil }
            position += 1
            result |= UInt32(byte & 0x7F) << (7 * UInt32(i))
            if byte & 0x80 == 0 { return result }
        }
        return nil
    }
}

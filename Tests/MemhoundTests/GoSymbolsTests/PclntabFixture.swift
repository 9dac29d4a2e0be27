@testable import MemhoundSymbols

/// Little-endian byte writer for hand-made tables.
struct ByteWriter {
    var bytes: [UInt8] = []
    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func word(_ v: UInt64, _ size: Int) { size == 8 ? u64(v) : u32(UInt32(truncatingIfNeeded: v)) }
    mutating func cString(_ s: String) { bytes += Array(s.utf8) + [0] }
    mutating func align(_ n: Int) { while count % n != 0 { u8(0) } }
    mutating func append(_ other: [UInt8]) { bytes += other }
    mutating func varint(_ v: UInt32) {
        var v = v
        while v >= 0x80 { u8(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        u8(UInt8(v))
    }
}

/// A small pclntab written by hand in any of the four formats, for the
/// formats no Go toolchain on this machine produces (1.2-1.17, and 1.20+ on
/// a Go 1.19 machine). Functions are laid out back to back from `textStart`;
/// the first one may carry an inline tree.
struct PclntabFixture {
    /// A pc-value table: (end offset from the entry, value in force before it).
    typealias Table = [(end: UInt64, value: Int32)]

    struct Function {
        var name: String
        var size: UInt64
        var pcsp: Table
        /// Values are indices into `files`.
        var pcfile: Table
        var pcln: Table
        var inlineIndex: Table = []
    }

    struct InlinedCall {
        var name: String
        var parentPC: Int32
    }

    var version: GoPclntabVersion
    var textStart: UInt64 = 0x40_1000
    var files: [String]
    var functions: [Function]
    var inlineTree: [InlinedCall] = []
    /// Where the funcdata memory (holding the inline tree) lives.
    var funcDataAddress: UInt64 = 0x50_0000
    /// Offset of the tree in the funcdata memory: in Go 1.18+, also its offset from gofunc.
    let treeOffset = 0x10

    var magic: UInt32 {
        switch version {
        case .go12: return 0xFFFF_FFFB
        case .go116: return 0xFFFF_FFFA
        case .go118: return 0xFFFF_FFF0
        case .go120: return 0xFFFF_FFF1
        }
    }

    var entries: [UInt64] {
        var pc = textStart
        return functions.map { f in defer { pc += f.size }; return pc }
    }

    static func encode(_ table: Table) -> [UInt8] {
        var w = ByteWriter()
        var (value, pc): (Int32, UInt64) = (-1, 0)
        for (end, v) in table {
            let delta = v &- value
            w.varint(delta < 0 ? UInt32(bitPattern: ~delta) << 1 | 1 : UInt32(bitPattern: delta) << 1)
            w.varint(UInt32(end - pc))
            (value, pc) = (v, end)
        }
        w.u8(0)
        return w.bytes
    }

    /// The funcdata memory: the inline tree at `treeOffset`.
    func funcData(names: [String: Int]) -> GoFuncData? {
        guard version != .go12, !inlineTree.isEmpty else { return nil }
        var w = ByteWriter()
        w.append([UInt8](repeating: 0xEE, count: treeOffset))
        for call in inlineTree {
            let name = Int32(names[call.name]!)
            if version == .go120 {
                w.u32(0); w.i32(name); w.i32(call.parentPC); w.i32(1)
            } else {
                w.u16(0xFFFF); w.u16(0); w.i32(0); w.i32(0); w.i32(name); w.i32(call.parentPC)
            }
        }
        return GoFuncData(gofunc: version == .go116 ? nil : funcDataAddress, address: funcDataAddress, bytes: w.bytes)
    }
}

/// The pclntab formats, named by the first Go release that wrote them.
public enum GoPclntabVersion: Sendable, Equatable {
    /// Go 1.2 to 1.15, magic 0xfffffffb.
    case go12
    /// Go 1.16 and 1.17, magic 0xfffffffa.
    case go116
    /// Go 1.18 and 1.19, magic 0xfffffff0.
    case go118
    /// Go 1.20 and later, magic 0xfffffff1.
    case go120

    init?(magic: UInt32) {
        switch magic {
        case 0xFFFF_FFFB: self = .go12
        case 0xFFFF_FFFA: self = .go116
        case 0xFFFF_FFF0: self = .go118
        case 0xFFFF_FFF1: self = .go120
        default: return nil
        }
    }
}

/// Where the parts of a pclntab are, from its header (runtime.pcHeader, or
/// the Go 1.2 layout described in golang.org/s/go12symtab). Offsets are into
/// the .gopclntab bytes.
struct GoPclntabLayout: Sendable {
    var version: GoPclntabVersion
    var magic: UInt32
    /// Instruction size quantum: pc deltas in pc-value tables are multiplied by it.
    var quantum: UInt64
    var pointerSize: Int
    var functionCount: Int
    /// Base of function entry offsets (Go 1.18+), as written by the linker.
    var textStart: UInt64
    /// funcnametab; 0 for Go 1.2, whose name offsets are from the table start.
    var functionNames: Int
    var compilationUnits: Int
    var files: Int
    /// pctab; 0 for Go 1.2, whose table offsets are from the table start.
    var pcTables: Int
    /// The functab array; _func offsets are relative to it from Go 1.16 on.
    var functionTable: Int

    /// Size of one functab field: a uintptr before Go 1.18, a uint32 after.
    var functionTableField: Int { version == .go12 || version == .go116 ? pointerSize : 4 }

    /// Base that _func offsets in the functab are relative to.
    var functionRecordBase: Int { version == .go12 ? 0 : functionTable }

    init(_ data: GoByteView) throws {
        guard let magic = data.u32(0) else { throw GoSymbolError.malformed("header truncated") }
        guard let version = GoPclntabVersion(magic: magic) else { throw GoSymbolError.unsupportedMagic(magic) }
        guard let pad1 = data.u8(4), let pad2 = data.u8(5), let quantum = data.u8(6),
              let pointerSize = data.u8(7), pad1 == 0, pad2 == 0,
              [1, 2, 4].contains(quantum), pointerSize == 4 || pointerSize == 8
        else { throw GoSymbolError.malformed("header fields") }
        self.version = version
        self.magic = magic
        self.quantum = UInt64(quantum)
        self.pointerSize = Int(pointerSize)
        (functionCount, textStart) = (0, 0)
        (functionNames, compilationUnits, files, pcTables, functionTable) = (0, 0, 0, 0, 0)
        try readFields(data)
        try checkFunctionTable(data)
    }

    private mutating func readFields(_ data: GoByteView) throws {
        let p = pointerSize
        func word(_ index: Int) throws -> UInt64 {
            guard let v = data.word(8 + index * p, size: p) else { throw GoSymbolError.malformed("header truncated") }
            return v
        }
        func offset(_ index: Int) throws -> Int {
            let v = try word(index)
            guard v <= UInt64(data.count) else { throw GoSymbolError.malformed("header offset \(v) out of range") }
            return Int(v)
        }
        let count = try word(0)
        guard count <= UInt64(data.count) else { throw GoSymbolError.malformed("function count \(count)") }
        functionCount = Int(count)
        switch version {
        case .go12:
            functionTable = 8 + p
            // The file table offset follows the functab's end entry.
            guard let fileTable = data.u32(functionTable + (2 * functionCount + 1) * p) else {
                throw GoSymbolError.malformed("file table offset truncated")
            }
            files = Int(fileTable)
        case .go116:
            (functionNames, compilationUnits, files) = (try offset(2), try offset(3), try offset(4))
            (pcTables, functionTable) = (try offset(5), try offset(6))
        case .go118, .go120:
            textStart = try word(2)
            (functionNames, compilationUnits, files) = (try offset(3), try offset(4), try offset(5))
            (pcTables, functionTable) = (try offset(6), try offset(7))
        }
    }

    /// The functab (count entries plus the end entry) must lie inside the data.
    private func checkFunctionTable(_ data: GoByteView) throws {
        let (entries, o1) = functionCount.multipliedReportingOverflow(by: 2)
        let (fields, o2) = (entries + 1).multipliedReportingOverflow(by: functionTableField)
        guard !o1, !o2, data.contains(functionTable, length: fields) else {
            throw GoSymbolError.malformed("function table of \(functionCount) entries does not fit")
        }
    }
}

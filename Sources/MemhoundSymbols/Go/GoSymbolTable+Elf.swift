import Glibc

extension GoSymbolTable {
    /// Where linkers put the pclntab: its own section, or inside relro for PIE.
    static let pclntabSections = [".gopclntab", ".data.rel.ro.gopclntab"]

    /// Reads the Go symbol table of the ELF file at `elfPath`; nil when the
    /// file has no .gopclntab (not a Go binary).
    public static func load(elfPath: String) throws -> GoSymbolTable? {
        let fd = open(elfPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GoSymbolError.unreadable("\(elfPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try load(fileDescriptor: fd)
    }

    /// Like `load(elfPath:)` for a file already open; `fd` stays open.
    public static func load(fileDescriptor fd: Int32) throws -> GoSymbolTable? {
        let elf = try GoElfSections(fd: fd)
        guard let section = pclntabSections.lazy.compactMap(elf.named).first else { return nil }
        var table = try GoSymbolTable(pclntab: try elf.bytes(of: section), textStart: elf.named(".text")?.address)
        // Without funcdata the table still names functions; only inlined frames are lost.
        table.funcData = try? GoModuleData.funcData(for: table, pclntabAddress: section.address, elf: elf)
        return table
    }

    /// Some funcdata address of a Go 1.16/1.17 table, whose funcdata are absolute.
    func anyFuncDataAddress(searching limit: Int = 10_000) -> UInt64? {
        for index in 0..<min(functionCount, limit) {
            guard let f = GoFuncRecord(index: index, data: data, layout: layout) else { continue }
            for slot in 0..<f.funcdataCount {
                if let address = f.funcdata(slot, data, layout) { return address }
            }
        }
        return nil
    }
}

/// Finds the memory that holds funcdata. Go 1.18+ funcdata are offsets from
/// moduledata.gofunc; stripped binaries have no symbol for it, so, as
/// profilers do, runtime.firstmoduledata is found by content: the struct
/// starts with a pointer to the pclntab header, then funcnametab's pointer,
/// and its `text` field equals the header's text start.
enum GoModuleData {
    /// Data sections moduledata is looked for in, most likely first.
    static let candidates = [".noptrdata", ".data", ".data.rel.ro"]
    /// Offset of moduledata.text: pcHeader, six slices, findfunctab, minpc, maxpc.
    static let textField = 22 * 8
    static let maxScannedBytes: UInt64 = 64 << 20

    /// Offset of moduledata.gofunc (runtime/symtab.go); Go 1.20 added covctrs/ecovctrs before it.
    static func gofuncField(_ version: GoPclntabVersion) -> Int? {
        switch version {
        case .go118: return 38 * 8
        case .go120: return 40 * 8
        case .go12, .go116: return nil
        }
    }

    static func funcData(for table: GoSymbolTable, pclntabAddress: UInt64,
                         elf: GoElfSections) throws -> GoFuncData? {
        if table.version == .go116 {
            guard let address = table.anyFuncDataAddress(), let section = elf.containing(address: address) else {
                return nil
            }
            return GoFuncData(gofunc: nil, address: section.address, bytes: try elf.bytes(of: section))
        }
        guard let field = gofuncField(table.version), table.layout.pointerSize == 8,
              let gofunc = try findGofunc(table, pclntabAddress, field, elf),
              let section = elf.containing(address: gofunc) else { return nil }
        return GoFuncData(gofunc: gofunc, address: gofunc, bytes: try elf.bytes(of: section, from: gofunc))
    }

    private static func findGofunc(_ table: GoSymbolTable, _ pclntab: UInt64, _ field: Int,
                                   _ elf: GoElfSections) throws -> UInt64? {
        let names = pclntab &+ UInt64(table.layout.functionNames)
        for name in candidates {
            // moduledata sits in a small data section; don't copy huge ones to look.
            guard let section = elf.named(name), section.size <= maxScannedBytes else { continue }
            let data = GoByteView(try elf.bytes(of: section))
            var i = 0
            while data.contains(i, length: field + 8) {
                if data.u64(i) == pclntab, data.u64(i + 8) == names,
                   data.u64(i + textField) == table.layout.textStart,
                   let gofunc = data.u64(i + field), elf.containing(address: gofunc) != nil {
                    return gofunc
                }
                i += 8
            }
        }
        return nil
    }
}

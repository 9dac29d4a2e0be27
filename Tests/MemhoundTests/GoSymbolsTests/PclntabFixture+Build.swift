@testable import MemhoundSymbols

extension PclntabFixture {
    /// The table bytes and, when the fixture has an inline tree, its funcdata memory.
    func build() -> (pclntab: [UInt8], funcData: GoFuncData?) {
        var names = ByteWriter(), offsets: [String: Int] = [:]
        for name in functions.map(\.name) + inlineTree.map(\.name) where offsets[name] == nil {
            offsets[name] = names.count
            names.cString(name)
        }
        let table = version == .go12 ? buildGo12(names, offsets) : buildGo116(names, offsets)
        return (table, funcData(names: offsets))
    }

    private func header(_ w: inout ByteWriter) {
        w.u32(magic); w.u8(0); w.u8(0); w.u8(1); w.u8(8)
    }

    /// Go 1.2: everything is addressed from the table start; file numbers start at 1.
    private func buildGo12(_ names: ByteWriter, _ offsets: [String: Int]) -> [UInt8] {
        let n = functions.count
        let records = (16 + (2 * n + 1) * 8 + 4 + 7) / 8 * 8
        var pctab = ByteWriter()
        func add(_ t: Table) -> UInt32 { defer { pctab.append(Self.encode(t)) }; return UInt32(records + 40 * n + pctab.count) }
        let tables = functions.map { f in
            (add(f.pcsp), add(f.pcfile.map { ($0.end, $0.value + 1) }), add(f.pcln))
        }
        let namesStart = records + 40 * n + pctab.count
        let fileTable = (namesStart + names.count + 3) / 4 * 4
        var w = ByteWriter()
        header(&w)
        w.u64(UInt64(n))
        var funcOffset = records
        for entry in entries { w.u64(entry); w.u64(UInt64(funcOffset)); funcOffset += 40 }
        w.u64(entries.last.map { $0 + functions.last!.size } ?? textStart)
        w.u32(UInt32(fileTable))
        w.align(8)
        for ((f, entry), (pcsp, pcfile, pcln)) in zip(zip(functions, entries), tables) {
            w.u64(entry); w.i32(Int32(namesStart + offsets[f.name]!)); w.u32(0); w.u32(0)
            w.u32(pcsp); w.u32(pcfile); w.u32(pcln); w.u32(0); w.u32(0)
        }
        w.append(pctab.bytes)
        w.append(names.bytes)
        w.align(4)
        w.u32(UInt32(files.count + 1))
        var fileOffset = fileTable + 4 * (files.count + 1)
        for file in files { w.u32(UInt32(fileOffset)); fileOffset += file.utf8.count + 1 }
        for file in files { w.cString(file) }
        return w.bytes
    }

    /// Go 1.16+: a pcHeader, then funcnametab, cutab, filetab, pctab and the functab.
    private func buildGo116(_ names: ByteWriter, _ offsets: [String: Int]) -> [UInt8] {
        var files = ByteWriter(), cu = ByteWriter()
        for file in self.files { cu.u32(UInt32(files.count)); files.cString(file) }
        var pctab = ByteWriter()
        pctab.u8(0)  // offset 0 means "no table"
        func add(_ t: Table) -> UInt32 { t.isEmpty ? 0 : { defer { pctab.append(Self.encode(t)) }; return UInt32(pctab.count) }() }
        let tables = functions.map { [add($0.pcsp), add($0.pcfile), add($0.pcln), add($0.inlineIndex)] }
        let headerSize = 8 + (version == .go116 ? 7 : 8) * 8
        let cuStart = (headerSize + names.count + 3) / 4 * 4
        let filesStart = cuStart + cu.count, pctabStart = filesStart + files.count
        let functab = (pctabStart + pctab.count + 7) / 8 * 8
        var w = ByteWriter()
        header(&w)
        w.u64(UInt64(functions.count)); w.u64(UInt64(self.files.count))
        if version != .go116 { w.u64(textStart) }
        for offset in [headerSize, cuStart, filesStart, pctabStart, functab] { w.u64(UInt64(offset)) }
        w.append(names.bytes); w.align(4); w.append(cu.bytes); w.append(files.bytes); w.append(pctab.bytes); w.align(8)
        w.append(functabAndRecords(offsets, tables))
        return w.bytes
    }

    private func functabAndRecords(_ names: [String: Int], _ tables: [[UInt32]]) -> [UInt8] {
        let field = version == .go116 ? 8 : 4
        let start = ((2 * functions.count + 1) * field + 7) / 8 * 8
        var records = ByteWriter(), funcOffsets: [Int] = []
        for (i, (f, entry)) in zip(functions, entries).enumerated() {
            records.align(8)
            funcOffsets.append(start + records.count)
            record(&records, f, entry, Int32(names[f.name]!), tables[i])
        }
        var w = ByteWriter()
        let base = version == .go116 ? 0 : textStart
        for (entry, offset) in zip(entries, funcOffsets) { w.word(entry - base, field); w.word(UInt64(offset), field) }
        w.word((entries.last.map { $0 + functions.last!.size } ?? textStart) - base, field)
        w.align(8)
        w.append(records.bytes)
        return w.bytes
    }

    private func record(_ w: inout ByteWriter, _ f: Function, _ entry: UInt64, _ name: Int32, _ t: [UInt32]) {
        let inline = !f.inlineIndex.isEmpty
        version == .go116 ? w.u64(entry) : w.u32(UInt32(entry - textStart))
        w.i32(name); w.u32(0); w.u32(0)
        w.u32(t[0]); w.u32(t[1]); w.u32(t[2])
        w.u32(inline ? 3 : 0); w.u32(0)  // npcdata, cuOffset
        if version == .go120 { w.i32(1) }  // startLine
        w.u8(0); w.u8(0); w.u8(0); w.u8(inline ? 4 : 0)
        guard inline else { return }
        w.u32(0); w.u32(0); w.u32(t[3])
        if version == .go116 {
            w.align(8)
            for _ in 0..<3 { w.u64(0) }
            w.u64(funcDataAddress + UInt64(treeOffset))
        } else {
            for _ in 0..<3 { w.u32(0xFFFF_FFFF) }
            w.u32(UInt32(treeOffset))
        }
    }
}

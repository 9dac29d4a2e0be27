/// One decoded runtime._func record: where a function starts and where its
/// name, pc-value tables and funcdata are.
struct GoFuncRecord: Sendable {
    var entry: UInt64
    /// Entry of the next function: this one covers [entry, end).
    var end: UInt64
    var nameOffset: Int32
    var pcsp: UInt32
    var pcfile: UInt32
    var pcln: UInt32
    var pcdataCount: Int
    var compilationUnit: UInt32
    var funcdataCount: Int
    /// Offsets (in the pclntab) of the pcdata and funcdata arrays.
    var pcdataStart: Int
    var funcdataStart: Int
}

/// Field offsets of _func, which moved between releases (runtime/runtime2.go).
private struct GoFuncFields {
    var nameOffset, pcsp, pcfile, pcln, pcdataCount, compilationUnit: Int
    var funcdataCount: Int
    var size: Int

    init(_ layout: GoPclntabLayout) {
        // Before Go 1.18 the record starts with a uintptr entry; after, a uint32 offset.
        let p = layout.version == .go12 || layout.version == .go116 ? layout.pointerSize : 4
        (nameOffset, pcsp, pcfile, pcln, pcdataCount) = (p, p + 12, p + 16, p + 20, p + 24)
        switch layout.version {
        case .go12: (compilationUnit, funcdataCount, size) = (-1, p + 31, p + 32)
        case .go116, .go118: (compilationUnit, funcdataCount, size) = (p + 28, p + 35, p + 36)
        case .go120: (compilationUnit, funcdataCount, size) = (p + 28, p + 39, p + 40)  // + startLine
        }
    }
}

extension GoFuncRecord {
    /// Upper bound on pcdata/funcdata slots, to reject absurd counts early.
    static let maxTables = 256

    /// Index of the function whose range holds `pc`, by binary search of the functab.
    static func index(containing pc: UInt64, in data: GoByteView, layout: GoPclntabLayout) -> Int? {
        guard layout.functionCount > 0,
              let first = entry(0, data, layout), let last = entry(layout.functionCount, data, layout),
              pc >= first, pc < last else { return nil }
        var low = 0, high = layout.functionCount
        while high - low > 1 {
            let mid = low + (high - low) / 2
            guard let e = entry(mid, data, layout) else { return nil }
            if e <= pc { low = mid } else { high = mid }
        }
        return low
    }

    /// Entry pc of functab slot `index` (slot functionCount holds the end of the last function).
    static func entry(_ index: Int, _ data: GoByteView, _ layout: GoPclntabLayout) -> UInt64? {
        let field = layout.functionTableField
        guard let raw = data.word(layout.functionTable + 2 * index * field, size: field) else { return nil }
        return layout.version == .go118 || layout.version == .go120 ? layout.textStart &+ raw : raw
    }

    /// Decodes the record of functab slot `index`; nil when it is malformed.
    init?(index: Int, data: GoByteView, layout: GoPclntabLayout) {
        let field = layout.functionTableField
        guard index >= 0, index < layout.functionCount,
              let entry = Self.entry(index, data, layout), let end = Self.entry(index + 1, data, layout),
              entry < end,
              let funcOffset = data.word(layout.functionTable + (2 * index + 1) * field, size: field),
              let base = Int.offset(layout.functionRecordBase, funcOffset)
        else { return nil }
        let f = GoFuncFields(layout)
        guard data.contains(base, length: f.size),
              let nameOffset = data.i32(base + f.nameOffset), let pcsp = data.u32(base + f.pcsp),
              let pcfile = data.u32(base + f.pcfile), let pcln = data.u32(base + f.pcln),
              let pcdataCount = data.u32(base + f.pcdataCount), pcdataCount <= Self.maxTables,
              let funcdataCount = data.u8(base + f.funcdataCount)
        else { return nil }
        // The record repeats the entry; a mismatch means the functab and records disagree.
        guard Self.recordEntry(data, base, layout) == entry else { return nil }
        self.entry = entry
        self.end = end
        self.nameOffset = nameOffset
        (self.pcsp, self.pcfile, self.pcln) = (pcsp, pcfile, pcln)
        self.pcdataCount = Int(pcdataCount)
        self.funcdataCount = Int(funcdataCount)
        compilationUnit = f.compilationUnit < 0 ? 0 : data.u32(base + f.compilationUnit) ?? 0
        pcdataStart = base + f.size
        var funcdata = pcdataStart + 4 * self.pcdataCount
        // Pointer-sized funcdata (before Go 1.18) are aligned to the pointer size.
        if layout.version == .go12 || layout.version == .go116 {
            funcdata = (funcdata + layout.pointerSize - 1) / layout.pointerSize * layout.pointerSize
        }
        funcdataStart = funcdata
    }

    private static func recordEntry(_ data: GoByteView, _ base: Int, _ layout: GoPclntabLayout) -> UInt64? {
        switch layout.version {
        case .go12, .go116: return data.word(base, size: layout.pointerSize)
        case .go118, .go120: return data.u32(base).map { layout.textStart &+ UInt64($0) }
        }
    }

    /// Offset of pc-value table `table` of this function's pcdata, or nil when absent.
    func pcdataOffset(_ table: Int, _ data: GoByteView) -> UInt32? {
        guard table < pcdataCount, let off = data.u32(pcdataStart + 4 * table), off != 0 else { return nil }
        return off
    }

    /// Raw funcdata slot `slot`: an absolute address before Go 1.18, an offset from
    /// moduledata.gofunc after (0xffffffff meaning none).
    func funcdata(_ slot: Int, _ data: GoByteView, _ layout: GoPclntabLayout) -> UInt64? {
        guard slot < funcdataCount else { return nil }
        switch layout.version {
        case .go12, .go116:
            let v = data.word(funcdataStart + slot * layout.pointerSize, size: layout.pointerSize)
            return v == 0 ? nil : v
        case .go118, .go120:
            let v = data.u32(funcdataStart + 4 * slot)
            return v == 0xFFFF_FFFF ? nil : v.map(UInt64.init)
        }
    }
}

/// One frame of a Go call chain at a pc; inlined frames come before the
/// physical function that contains them.
public struct GoFrame: Equatable, Sendable {
    public var function: String
    public var file: String?
    public var line: Int?
    /// True when the compiler inlined this function into the next frame.
    public var inlined: Bool

    public init(function: String, file: String?, line: Int?, inlined: Bool) {
        (self.function, self.file, self.line, self.inlined) = (function, file, line, inlined)
    }
}

/// A physical function: its name and the pc range [entry, end) it covers.
public struct GoFunction: Equatable, Sendable {
    public var name: String
    public var entry: UInt64
    public var end: UInt64
}

/// Symbols of a Go binary from its .gopclntab, which Go keeps even in binaries
/// stripped with -ldflags=-s -w. Lookups take link-time virtual addresses.
public struct GoSymbolTable: Sendable {
    let data: GoByteView
    let layout: GoPclntabLayout
    var funcData: GoFuncData?

    /// Indices into a function's pcdata and funcdata (stable since Go 1.16).
    static let pcdataInlineIndex = 2, funcdataInlineTree = 3
    /// Deepest inline chain followed; real ones are a handful of frames.
    static let maxInlineDepth = 64

    /// - Parameters:
    ///   - pclntab: the bytes of the .gopclntab section.
    ///   - textStart: the address of .text, used when a Go 1.18+ header's own
    ///     text start is zero (left for a relocation to fill).
    ///   - funcData: the memory holding inline trees; without it, frames are not
    ///     expanded into their inlined calls.
    public init(pclntab: [UInt8], textStart: UInt64? = nil, funcData: GoFuncData? = nil) throws {
        data = GoByteView(pclntab)
        var layout = try GoPclntabLayout(data)
        if layout.textStart == 0, let textStart { layout.textStart = textStart }
        self.layout = layout
        self.funcData = funcData
    }

    public var goVersionMagic: UInt32 { layout.magic }
    public var version: GoPclntabVersion { layout.version }
    public var functionCount: Int { layout.functionCount }

    public func function(containing pc: UInt64) -> GoFunction? {
        guard let f = record(containing: pc), let name = name(at: f.nameOffset) else { return nil }
        return GoFunction(name: name, entry: f.entry, end: f.end)
    }

    /// The function at functab slot `index` (0..<functionCount), in address order.
    public func function(at index: Int) -> GoFunction? {
        guard let f = GoFuncRecord(index: index, data: data, layout: layout),
              let name = name(at: f.nameOffset) else { return nil }
        return GoFunction(name: name, entry: f.entry, end: f.end)
    }

    /// The stack pointer's distance from its value at entry (bytes the function
    /// has pushed or reserved) at `pc`, from the pcsp table. 0 means the return
    /// address is still at the stack pointer.
    public func spDelta(at pc: UInt64) -> Int? {
        guard let f = record(containing: pc) else { return nil }
        return pcValue(f.pcsp, f, pc).map(Int.init)
    }

    /// The call chain at `pc`, innermost first: each function inlined at `pc`
    /// (marked inlined), then the physical function. Empty when `pc` is in no function.
    public func frames(at pc: UInt64) -> [GoFrame] {
        guard let f = record(containing: pc), let physical = name(at: f.nameOffset) else { return [] }
        var frames: [GoFrame] = []
        var current = pc
        var seen: [Int32] = []
        if let tree = inlineTreeAddress(f), let memory = funcData {
            // A well-formed chain only climbs the tree; a repeated index means a
            // cycle (real tables can point a call site at its own pc).
            while frames.count < Self.maxInlineDepth,
                  let index = f.pcdataOffset(Self.pcdataInlineIndex, data).flatMap({ pcValue($0, f, current) }),
                  index >= 0, !seen.contains(index),
                  let call = GoInlinedCall.read(memory, treeAddress: tree, index: index, version: layout.version),
                  let name = name(at: call.nameOffset) {
                seen.append(index)
                frames.append(frame(name, f, current, inlined: true))
                // The caller's position is that of an instruction at the call site.
                let parent = f.entry &+ UInt64(UInt32(bitPattern: call.parentPC))
                guard call.parentPC >= 0, parent < f.end else { break }
                current = parent
            }
        }
        frames.append(frame(physical, f, current, inlined: false))
        return frames
    }

    private func frame(_ name: String, _ f: GoFuncRecord, _ pc: UInt64, inlined: Bool) -> GoFrame {
        let line = pcValue(f.pcln, f, pc).flatMap { $0 > 0 ? Int($0) : nil }
        return GoFrame(function: name, file: file(f, pc), line: line, inlined: inlined)
    }

    func record(containing pc: UInt64) -> GoFuncRecord? {
        guard let index = GoFuncRecord.index(containing: pc, in: data, layout: layout),
              let f = GoFuncRecord(index: index, data: data, layout: layout),
              f.entry <= pc, pc < f.end else { return nil }
        return f
    }

    func pcValue(_ table: UInt32, _ f: GoFuncRecord, _ pc: UInt64) -> Int32? {
        guard table != 0, let offset = Int.offset(layout.pcTables, UInt64(table)) else { return nil }
        return GoPCTable.value(data, at: offset, entry: f.entry, target: pc, quantum: layout.quantum)
    }

    func name(at offset: Int32) -> String? {
        guard offset >= 0, let at = Int.offset(layout.functionNames, UInt64(offset)) else { return nil }
        return data.cString(at)
    }

    private func file(_ f: GoFuncRecord, _ pc: UInt64) -> String? {
        guard let fileIndex = pcValue(f.pcfile, f, pc), fileIndex >= 0 else { return nil }
        if layout.version == .go12 {
            // filetab[0] is the number of entries; entries are offsets from the table start.
            guard let count = data.u32(layout.files), UInt32(fileIndex) < count,
                  let name = data.u32(layout.files + 4 * Int(fileIndex)) else { return nil }
            return data.cString(Int(name))
        }
        let slot = UInt64(f.compilationUnit) + UInt64(fileIndex)
        guard let at = Int.offset(0, slot * 4).flatMap({ Int.offset(layout.compilationUnits, UInt64($0)) }),
              let name = data.u32(at), name != 0xFFFF_FFFF,
              let offset = Int.offset(layout.files, UInt64(name)) else { return nil }
        return data.cString(offset)
    }

    /// Address of the function's inline tree, or nil when it has none or the
    /// funcdata memory is unknown. Go 1.2 tables are not expanded: the tree's
    /// slot changed within that format (1.12 vs 1.13+), so it cannot be told apart.
    private func inlineTreeAddress(_ f: GoFuncRecord) -> UInt64? {
        guard let funcData, layout.version != .go12,
              let raw = f.funcdata(Self.funcdataInlineTree, data, layout) else { return nil }
        if layout.version == .go116 { return raw }
        guard let base = funcData.gofunc else { return nil }
        return base &+ raw
    }
}

/// The memory holding a binary's funcdata (inline trees among them), copied
/// from the ELF file. The pclntab only points at it: with absolute addresses
/// before Go 1.18, and with offsets from moduledata.gofunc (the go:func.*
/// symbol) from Go 1.18 on.
public struct GoFuncData: Sendable {
    /// moduledata.gofunc for Go 1.18+ tables; nil for older ones.
    public var gofunc: UInt64?
    /// Virtual address of `bytes[0]`.
    public var address: UInt64
    public var bytes: [UInt8]

    public init(gofunc: UInt64?, address: UInt64, bytes: [UInt8]) {
        self.gofunc = gofunc
        self.address = address
        self.bytes = bytes
    }
}

/// One entry of an inline tree (runtime.inlinedCall): the inlined function's
/// name and the pc (offset from the physical function's entry) whose source
/// position is the call site.
struct GoInlinedCall {
    var nameOffset: Int32
    var parentPC: Int32

    /// Entry `index` of the tree at `treeAddress`, or nil when outside the copied memory.
    static func read(_ memory: GoFuncData, treeAddress: UInt64, index: Int32,
                     version: GoPclntabVersion) -> GoInlinedCall? {
        // Go 1.16-1.19: {parent int16, funcID, _, file, line, func_, parentPc} = 20 bytes.
        // Go 1.20+:     {funcID, _ [3], nameOff, parentPc, startLine} = 16 bytes.
        let (size, name, parent): (UInt64, Int, Int) = version == .go120 ? (16, 4, 8) : (20, 12, 16)
        guard index >= 0, treeAddress >= memory.address else { return nil }
        let (span, overflow) = UInt64(index).multipliedReportingOverflow(by: size)
        let start = treeAddress - memory.address
        guard !overflow, start <= UInt64(Int.max), span <= UInt64(Int.max) - start else { return nil }
        let offset = Int(start + span)
        let view = GoByteView(memory.bytes)
        guard view.contains(offset, length: Int(size)),
              let nameOffset = view.i32(offset + name), let parentPC = view.i32(offset + parent)
        else { return nil }
        return GoInlinedCall(nameOffset: nameOffset, parentPC: parentPC)
    }
}

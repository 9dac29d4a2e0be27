/// Why a Go symbol table could not be read. Files come from traced
/// containers, so every malformed table ends here instead of trapping.
public enum GoSymbolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The table does not start with a pclntab magic this reader knows.
    case unsupportedMagic(UInt32)
    /// A header field or table points outside the data.
    case malformed(String)
    /// A section is larger than memhound is willing to read.
    case tooLarge(String)
    /// The file could not be opened or read.
    case unreadable(String)

    public var description: String {
        switch self {
        case .unsupportedMagic(let m):
            return "unsupported .gopclntab magic 0x\(String(m, radix: 16)) (Go 1.2 to 1.2x expected)"
        case .malformed(let what): return "malformed Go symbol table: \(what)"
        case .tooLarge(let what): return "Go symbol table too large: \(what)"
        case .unreadable(let what): return "cannot read Go binary: \(what)"
        }
    }
}

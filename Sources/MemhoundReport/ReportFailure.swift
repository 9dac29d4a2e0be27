/// Why `memhound report` could not do its job: one line for stderr and its exit code (docs/cli.md).
public struct ReportFailure: Error, Equatable, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        /// `--pid` names no process of the file.
        case noSuchProcess = 3
        /// The HTML file cannot be written.
        case output = 9
        /// The input is not memhound output (or holds no traced run).
        case notMemhoundOutput = 65
        /// The input cannot be opened or read.
        case unreadable = 66
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitCode: Int32 { kind.rawValue }
    public var description: String { message }
}

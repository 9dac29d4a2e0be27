import Foundation

/// Text for a terminal, shared by the live view, `memhound report` and error messages.
public enum TerminalText {
    /// A string a traced process or a file controls (a comm, a frame, a path) made safe for a
    /// terminal: control characters (which could move the cursor or recolour the screen) escaped,
    /// and at most `limit` characters.
    public static func printable(_ text: String, limit: Int = .max) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += String(format: "\\x%02x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.count > limit ? String(out.prefix(limit - 1)) + "…" : out
    }

    /// "12.3 MiB".
    public static func mib(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    public static func mib(_ bytes: UInt64) -> String { mib(Int64(bytes)) }
}

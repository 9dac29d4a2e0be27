import Foundation
import MemhoundOutput

/// Figures as the report prints them.
enum Format {
    static func mib(_ bytes: Int64) -> String { TerminalText.mib(bytes) }
    static func mib(_ bytes: UInt64) -> String { mibNumber(bytes) + " MiB" }

    /// MiB without the unit, for table columns.
    static func mibNumber(_ bytes: UInt64) -> String {
        // A few pages are not nothing: "<0.1" tells them from a site that holds none.
        bytes > 0 && bytes < 104_858 ? "<0.1" : String(format: "%.1f", Double(bytes) / 1_048_576)
    }

    static func seconds(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1f s", s) }
        if s < 3600 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60)
    }

    static func count(_ n: UInt64, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// "2026-11-21 19:40:39 UTC".
    static func date(_ epoch: Double) -> String {
        var t = time_t(epoch)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}

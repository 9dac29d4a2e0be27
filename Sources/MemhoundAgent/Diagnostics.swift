import Foundation
import MemhoundOutput

/// One-line diagnostics on stderr, prefixed `memhound:` (stdout carries only JSON).
public enum Diagnostics {
    public static func warn(_ text: String) {
        FileHandle.standardError.write(Data("memhound: warning: \(text)\n".utf8))
    }

    /// An alert's line (its severity is in the text).
    public static func alert(_ text: String) {
        FileHandle.standardError.write(Data("memhound: alert \(TerminalText.printable(text, limit: 400))\n".utf8))
    }
}

/// What was lost since the last `lost` line, said once for the interval.
struct LossWarning {
    var before: LostCounts
    var now: LostCounts

    var text: String {
        var parts: [String] = []
        func add(_ new: UInt64, _ old: UInt64, _ what: String) {
            if new > old { parts.append("\(new - old) \(what)") }
        }
        add(now.ringBuffer, before.ringBuffer, "kernel records (ring buffer full: memhound read too slowly)")
        add(now.outputLines, before.outputLines, "output lines (the output fell behind; events and periodic lines are dropped first)")
        add(now.stacks, before.stacks, "user stacks (stack table full)")
        add(now.sites, before.sites, "site table updates")
        add(now.threads, before.threads, "per-thread states")
        add(now.addressSpaces, before.addressSpaces, "address spaces")
        add(now.targets, before.targets, "children not followed (target table full)")
        add(now.undecodable, before.undecodable, "undecodable records")
        add(now.skippedRuns, before.skippedRuns, "tracepoint runs the kernel skipped")
        add(now.mapReads, before.mapReads, "kernel map reads (reports used the values read before)")
        return "lost " + parts.joined(separator: ", ")
            + "; figures they touch carry uncertain bounds (uncertain_bytes) in reports"
    }
}

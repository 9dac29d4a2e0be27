import Foundation
import MemhoundOutput

/// The live view `attach` and `run` show when stdout is a terminal: the main target's RSS, how
/// much of its growth memhound explains, and its top call sites, redrawn at every report; the
/// other traced processes a line each; a final summary that stays on screen.
public final class TerminalView: SessionObserver {
    private let write: (String) -> Void
    private let clearsScreen: Bool
    var start: StartLine?
    private var mainPid: Int32?
    var latest: [Int32: ReportLine] = [:]
    private var exits: [Int32: ExitLine] = [:]
    var lost = LostCounts()
    /// watch: the latest group line of each cgroup, and processes that ended since the start.
    var groups: [String: GroupLine] = [:]
    var ended = 0
    let top: Int
    let linesPath: String?

    /// `clearsScreen`: redraw in place (a terminal); otherwise each view follows the last.
    public init(top: Int, linesPath: String?, clearsScreen: Bool = true,
                write: @escaping (String) -> Void = TerminalView.standardOutput) {
        self.top = top
        self.linesPath = linesPath
        self.clearsScreen = clearsScreen
        self.write = write
    }

    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public func observe(_ event: SessionEvent) {
        switch event {
        case let .start(line):
            start = line
            mainPid = line.target?.pid
            write((clearsScreen ? "\u{1B}[2J\u{1B}[H" : "") + header() + "waiting for the first report...\n")
        case let .report(line):
            latest[line.pid] = line
            if line.pid == mainPid, !line.final { redraw(final: false) }
        case let .group(line):
            groups[line.cgroup] = line.processes > 0 ? line : nil
        case let .health(health) where !health.attached:
            // The end: every final report and exit is in.
            redraw(final: true)
        case .health where start?.watch != nil:
            // watch: after each round of reports and group lines.
            redraw(final: false)
        case let .exit(line) where start?.watch != nil:
            // Thousands of processes come and go in a day: an ended one leaves the view.
            latest[line.pid] = nil
            ended += 1
        case let .exit(line):
            exits[line.pid] = line
        case let .lost(counts):
            lost = counts
        default:
            break
        }
    }

    private func redraw(final: Bool) {
        write((clearsScreen ? "\u{1B}[2J\u{1B}[H" : "") + render(final: final))
    }

    func header() -> String {
        guard let start else { return "memhound\n" }
        return "memhound \(start.mode) · \(TerminalText.printable(start.targetSummary, limit: 72))\n"
    }

    func render(final: Bool) -> String {
        if start?.watch != nil { return renderWatch(final: final) }
        guard let pid = mainPid, let r = latest[pid] else { return header() }
        var text = header()
        let explained = r.explained.map { String(format: "%.2f", $0) } ?? "-"
        text += "\(final ? "final" : "after") \(Self.duration(r.elapsedS)) · RSS anon \(Self.mib(r.rss.anon)) "
            + "(\(Self.signedMiB(r.growth.anon)) since start) · attributed \(Self.mib(Int64(r.attributed.anon)))"
            + (r.attributed.uncertain > 0 ? " (+\(Self.mib(Int64(r.attributed.uncertain))) uncertain)" : "")
            + " · explained \(explained)\n"
        if lost.total > 0 { text += "lost: \(Self.describe(lost)) (figures they touch are marked uncertain)\n" }
        if let cgo = r.cgoBytes {
            text += "Go heap \(Self.mib(Int64(r.categories["go_heap"] ?? 0))) · cgo \(Self.mib(Int64(cgo))) "
                + "(held by sites C code called through cgo grew)\n"
        }
        text += "\n" + Self.pad("RESIDENT", 10) + Self.pad("GROWN", 10) + Self.pad("RELEASED", 10)
            + Self.pad("CATEGORY", 17) + "CALL SITE\n"
        for site in r.sites.prefix(top) {
            let resident = Self.size(site.bytes) + (site.uncertainBytes > 0 ? "+" : "")
            text += Self.pad(resident, 10) + Self.pad(Self.size(site.grown), 10)
                + Self.pad(Self.size(site.released), 10) + Self.pad(site.categoryLabel, 17)
                + TerminalText.printable(Self.keyFrames(site.frames), limit: 90) + "\n"
        }
        if r.sites.isEmpty { text += "(no growth attributed yet)\n" }
        if r.otherSites > 0 { text += "... \(r.otherSites) more call sites\n" }
        let others = latest.keys.filter { $0 != pid }.sorted()
        if !others.isEmpty {
            text += "\nother processes:\n"
            for other in others.prefix(10) {
                guard let o = latest[other] else { continue }
                let state = exits[other].map { $0.signal ?? "exited \($0.exitCode ?? 0)" } ?? "running"
                text += "  pid \(other) \(o.comm ?? "?"): grew \(Self.signedMiB(o.growth.anon)), top "
                    + (o.sites.first.map { TerminalText.printable(CallSite(frames: $0.frames).name, limit: 40) } ?? "-") + " · \(state)\n"
            }
            if others.count > 10 { text += "  ... \(others.count - 10) more\n" }
        }
        if r.tcp.retransmits > 0 { text += "\nTCP retransmits: \(r.tcp.retransmits) (\(r.tcp.connections.count) connections)\n" }
        if final, let exit = exits[pid] {
            text += "\n" + (exit.signal.map { "target ended by \($0)" } ?? "target exited with status \(exit.exitCode ?? 0)") + "\n"
        }
        if final {
            text += linesPath.map { "JSON lines: \($0)\n" } ?? "JSON lines were not kept (-o FILE keeps them, --format json prints them)\n"
        }
        return text
    }

    /// The first meaningful functions of a site, leaf first.
    static func keyFrames(_ frames: [Frame]) -> String {
        let names = CallSite(frames: frames).functions
        return names.isEmpty ? "[no stack]" : names.prefix(3).joined(separator: " ← ")
    }

    static func describe(_ l: LostCounts) -> String {
        let parts: [(String, UInt64)] = [("records", l.ringBuffer), ("stacks", l.stacks), ("site updates", l.sites),
                                        ("output lines", l.outputLines), ("skipped runs", l.skippedRuns),
                                        ("map reads", l.mapReads)]
        return parts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
    }

    static func mib(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// Bytes in the unit that reads best: 0, KiB below a MiB, MiB, GiB from 10 GiB.
    static func size(_ bytes: UInt64) -> String {
        switch bytes {
        case 0: "0"
        case ..<(1 << 20): "\((bytes + 1023) / 1024) KiB"
        case ..<(10 << 30): String(format: "%.1f MiB", Double(bytes) / 1_048_576)
        default: String(format: "%.1f GiB", Double(bytes) / 1_073_741_824)
        }
    }
    static func mib(_ bytes: UInt64) -> String { mib(Int64(bytes)) }
    static func signedMiB(_ bytes: Int64) -> String { (bytes >= 0 ? "+" : "") + mib(bytes) }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

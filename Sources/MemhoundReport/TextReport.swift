import Foundation
import MemhoundOutput

/// The terminal summary of a run: per process its growth, what explains it, its top sites, losses,
/// TCP retransmits and how it ended. Every string from the file goes through `Format.printable`.
public struct TextReport {
    public var summary: RunSummary
    public var source: String
    /// Sites shown per process.
    public var top: Int
    /// Only this process.
    public var pid: Int32?

    public init(summary: RunSummary, source: String, top: Int = 10, pid: Int32? = nil) {
        self.summary = summary
        self.source = source
        self.top = top
        self.pid = pid
    }

    public func render() -> String {
        var out = header()
        for p in summary.processes where pid == nil || p.pid == pid {
            out += "\n" + process(p)
        }
        out += "\n" + runWide()
        return out
    }

    private func header() -> String {
        var out = "memhound report of \(TerminalText.printable(source))\n"
        if let start = summary.start {
            out += "\(start.mode) \(TerminalText.printable(start.targetSummary))"
            if let t = epochSeconds(start.time) { out += ", started \(Format.date(t))" }
            out += "\n"
        }
        if let first = summary.firstTime, let last = summary.lastTime {
            out += "recorded \(Format.seconds(last - first)), \(summary.processes.count) process"
            out += summary.processes.count == 1 ? "" : "es"
            if let kernel = summary.start?.kernel { out += ", kernel \(TerminalText.printable(kernel))" }
            out += "\n"
        }
        return out
    }

    func process(_ p: ProcessSummary) -> String {
        var role = p.pid == summary.mainPid ? ", main target" : ""
        if let parent = p.parentPid { role += ", child of \(parent)" }
        var out = "\(TerminalText.printable(p.name)) (pid \(p.pid)\(role))"
        if let d = p.duration { out += ": traced \(Format.seconds(d))," }
        out += " \(p.ending)\n"
        guard let r = p.report else { return out + "  no report: the recording ends before this process's first report\n" }
        out += "  anon RSS grew \(Format.mib(r.growth.anon)), attributed \(Format.mib(r.attributed.anon))"
        out += r.explained.map { String(format: ", explained %.2f", $0) } ?? " (explained: n/a, no growth)"
        out += r.final ? "\n" : " (latest periodic report: no final one)\n"
        let doubts = p.uncertainties
        out += doubts.isEmpty ? "  figures exact (nothing lost)\n" : "  figures uncertain: \(doubts.joined(separator: "; "))\n"
        out += sites(r)
        let categories = p.categories
        if !categories.isEmpty {
            out += "  categories: " + categories.map { "\($0.name) \(Format.mib($0.bytes))" }.joined(separator: ", ") + "\n"
        }
        if let cgo = r.cgoBytes { out += "  cgo: \(Format.mib(cgo)) held by sites C code called through cgo grew\n" }
        out += tcp(r.tcp)
        return out
    }

    private func sites(_ r: ReportLine) -> String {
        let shown = r.sites.prefix(top)
        guard !shown.isEmpty else { return "  no call sites\n" }
        let total = r.sites.count + r.otherSites
        var out = "  top sites (\(shown.count) of \(total), MiB):\n"
        out += "    " + pad("resident", 9) + pad("grown", 10) + pad("released", 10) + "  " + "category".padding(toLength: 16, withPad: " ", startingAt: 0)
            + "  site (key frames, leaf first)\n"
        for s in shown {
            let name = s.keyFrames().map { TerminalText.printable($0, limit: 60) }.joined(separator: " < ")
            var resident = Format.mibNumber(s.bytes)
            if s.uncertainBytes > 0 { resident += "+" }
            out += "    " + pad(resident, 9) + pad(Format.mibNumber(s.grown), 10) + pad(Format.mibNumber(s.released), 10)
                + "  " + TerminalText.printable(s.categoryLabel, limit: 16).padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + name + "\n"
        }
        if shown.contains(where: { $0.uncertainBytes > 0 }) { out += "    (MiB; +: may hold up to its uncertain_bytes more)\n" }
        return out
    }

    private func tcp(_ t: TCPReport) -> String {
        guard t.retransmits > 0 || t.unattributed > 0 else { return "  tcp retransmits: none\n" }
        var out = "  tcp retransmits: \(t.retransmits) (\(t.synack) SYN-ACK, \(t.failed) failed, \(t.segments) segments)"
        if t.unattributed > 0 { out += "; \(t.unattributed) in its namespace with no known owner" }
        out += "\n"
        for c in t.connections {
            out += "    \(TerminalText.printable(c.endpoints))  \(TerminalText.printable(c.state, limit: 16))  "
                + "\(Format.count(c.retransmits, "retransmit")), \(Format.count(c.segments, "segment"))"
            if c.failed > 0 { out += ", \(c.failed) failed" }
            if c.missed > 0 { out += ", \(c.missed) missed" }
            out += "\n"
        }
        if t.otherConnections > 0 { out += "    and \(t.otherConnections) more connections\n" }
        return out
    }

    private func runWide() -> String {
        var out = ""
        if let lost = summary.lost?.lost ?? summary.processes.compactMap({ $0.report?.lost }).last {
            let losses = nonZeroLosses(lost)
            out += "lost (whole run): " + (losses.isEmpty ? "none" : losses.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) + "\n"
        }
        let alerts = summary.alerts.filter { pid == nil || $0.pid == nil || $0.pid == pid }
        for a in alerts {
            out += "alert: [\(TerminalText.printable(a.severity ?? "?"))] \(TerminalText.printable(a.kind ?? "?"))"
            if let p = a.pid { out += " pid \(p)" }
            out += " at \(at(a.time))"
            out += ": \(TerminalText.printable(a.message ?? ""))\n"
        }
        for k in summary.oomKills where pid == nil || k.pid == nil || k.pid == pid {
            out += "oom kill: \(TerminalText.printable(k.comm ?? "?")) (pid \(k.pid.map(String.init) ?? "?")) at \(at(k.time))\n"
        }
        return out
    }

    /// "3.2 s" into the recording, or the time as written when it cannot be read.
    private func at(_ time: String) -> String {
        epochSeconds(time).map { Format.seconds(summary.offset($0)) } ?? TerminalText.printable(time)
    }

    private func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}

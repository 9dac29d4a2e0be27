import Foundation
import MemhoundOutput

/// One process's part of the page: its figures, timeline, top sites with their stacks, flame graph,
/// categories and TCP retransmits.
struct ProcessSection {
    var report: HTMLReport
    var process: ProcessSummary
    var index: Int

    func render() -> String {
        let p = process
        var role = p.pid == report.summary.mainPid ? "main target" : "process"
        if let parent = p.parentPid { role += ", child of \(parent)" }
        var out = #"<section class="process" id="p\#(index)"><h2>\#(HTML.escape(p.name)) <span class="muted">pid \#(p.pid) · \#(role)</span></h2>"#
        out += stats()
        out += "<h3>Anonymous memory over time</h3>" + TimelineChart(process: p, offset: report.summary.offset, markers: markers()).render()
        if let r = p.report {
            out += "<h3>Top call sites</h3>" + SiteList(report: r, top: report.top).render()
            out += #"<h3>Resident bytes by call stack</h3><p class="muted small">Root: the process; each row one frame "#
                + "nearer the leaf; width: bytes held resident at the \(r.final ? "final" : "latest") report. Click a frame to zoom, the root to reset.</p>"
            out += FlameGraph(report: r, processName: "\(p.name) (\(p.pid))").render(id: "flame\(index)")
            out += #"<p class="flame-detail small" id="flame\#(index)-detail">&#160;</p>"#
            out += "<h3>TCP retransmits</h3>" + tcp(r.tcp)
        }
        return out + "</section>"
    }

    private func stats() -> String {
        let p = process
        guard let r = p.report else {
            return #"<p class="warning">No report for this process: the recording ends before its first one.</p>"#
        }
        var cells = [
            ("anon RSS growth", Format.mib(r.growth.anon)),
            ("attributed", Format.mib(r.attributed.anon) + (r.attributed.uncertain > 0 ? " (+\(Format.mib(r.attributed.uncertain)) uncertain)" : "")),
            ("explained", r.explained.map { String(format: "%.2f", $0) } ?? "n/a"),
            ("anon RSS now", Format.mib(r.rss.anon)),
            ("traced", p.duration.map(Format.seconds) ?? "—"),
            ("ending", p.ending),
        ]
        if r.lostRecords > 0 { cells.append(("records lost", String(r.lostRecords))) }
        var out = #"<div class="stats">"# + cells.map {
            #"<div><span class="label">\#(HTML.escape($0.0))</span><span class="value">\#(HTML.escape($0.1))</span></div>"#
        }.joined() + "</div>"
        let doubts = p.uncertainties
        out += doubts.isEmpty ? #"<p class="ok small">Figures exact: nothing of this process was lost.</p>"#
            : #"<p class="warning">Figures uncertain: \#(HTML.escape(doubts.joined(separator: "; "))).</p>"#
        if !r.final { out += #"<p class="warning">No final report: figures are from the latest periodic one.</p>"# }
        let categories = p.categories
        if !categories.isEmpty {
            out += #"<p class="categories">"# + categories.map {
                #"<span><i class="swatch" style="background:\#(CategoryStyle.color($0.name))"></i>\#(HTML.escape($0.name)) <b>\#(Format.mib($0.bytes))</b></span>"#
            }.joined() + "</p>"
        }
        if let cgo = r.cgoBytes {
            out += #"<p class="small">cgo: <b>\#(Format.mib(cgo))</b> held by sites C code called through cgo grew (marked <b class="cgo">cgo</b>).</p>"#
        }
        return out
    }

    private func markers() -> [TimelineChart.Marker] {
        let s = report.summary, p = process
        var out: [TimelineChart.Marker] = []
        for e in p.execs { out.append(.init(time: s.offset(e.time), label: "exec \(e.comm)", kind: "exec")) }
        if let exit = p.exit, let t = epochSeconds(exit.time) {
            out.append(.init(time: s.offset(t), label: exit.signal ?? "exit \(exit.exitCode.map(String.init) ?? "?")", kind: "exit"))
        }
        for a in s.alerts where a.pid == p.pid || (a.pid == nil && p.pid == s.mainPid) {
            if let t = epochSeconds(a.time) { out.append(.init(time: s.offset(t), label: "alert: \(a.kind ?? "?")", kind: "alert")) }
        }
        for k in s.oomKills where k.pid == p.pid {
            if let t = epochSeconds(k.time) { out.append(.init(time: s.offset(t), label: "OOM kill", kind: "oom")) }
        }
        return out
    }

    private func tcp(_ t: TCPReport) -> String {
        guard t.retransmits > 0 || t.unattributed > 0 else { return #"<p class="muted">None.</p>"# }
        var out = "<p>\(t.retransmits) retransmits (\(t.synack) SYN-ACK, \(t.failed) failed, \(t.segments) segments)"
        if t.unattributed > 0 { out += "; \(t.unattributed) in its network namespace with no known owner" }
        if t.lost > 0 { out += "; \(t.lost) of traced processes the kernel could not count" }
        out += #".</p><table><thead><tr><th>connection</th><th>state</th><th class="n">retransmits</th><th class="n">SYN-ACK</th>"#
            + #"<th class="n">failed</th><th class="n">segments</th><th class="n">socket's own count</th><th class="n">missed</th></tr></thead><tbody>"#
        for c in t.connections {
            out += "<tr><td><code>\(HTML.escape(c.endpoints))</code></td><td>\(HTML.escape(c.state))</td>"
                + "<td class=\"n\">\(c.retransmits)</td><td class=\"n\">\(c.synack)</td><td class=\"n\">\(c.failed)</td>"
                + "<td class=\"n\">\(c.segments)</td><td class=\"n\">\(c.kernelRetrans)</td><td class=\"n\">\(c.missed)</td></tr>"
        }
        out += "</tbody></table>"
        if t.otherConnections > 0 { out += #"<p class="muted small">and \#(t.otherConnections) more connections</p>"# }
        return out
    }
}

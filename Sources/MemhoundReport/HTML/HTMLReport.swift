import Foundation
import MemhoundOutput

/// The run as one self-contained HTML page: inline CSS, SVG and a small script, nothing fetched.
/// Every string from the file is escaped (`HTML.escape`); the script only sets `textContent`.
public struct HTMLReport {
    public var summary: RunSummary
    public var source: String
    public var top: Int
    public var pid: Int32?

    public init(summary: RunSummary, source: String, top: Int = 10, pid: Int32? = nil) {
        self.summary = summary
        self.source = source
        self.top = top
        self.pid = pid
    }

    var processes: [ProcessSummary] { summary.processes.filter { pid == nil || $0.pid == pid } }

    public func write(to path: String) throws { try writeFile(path, render()) }

    public func render() -> String {
        var body = header() + overview()
        for (i, p) in processes.enumerated() { body += ProcessSection(report: self, process: p, index: i).render() }
        body += events() + footer()
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>memhound report: \(HTML.escape(title))</title>
            <style>\(HTMLAssets.css)</style></head>
            <body><main>
            \(body)
            </main><script>\(HTMLAssets.script)</script></body></html>

            """
    }

    private var title: String {
        guard let start = summary.start else { return source }
        guard let target = start.target else { return "\(start.mode) \(start.targetSummary)" }
        return "\(target.comm ?? "pid \(target.pid)") (pid \(target.pid))"
    }

    private func header() -> String {
        var facts: [String] = []
        if let start = summary.start {
            let command = start.target.map { $0.cmdline.isEmpty ? ($0.comm ?? "?") : $0.cmdline.joined(separator: " ") } ?? start.targetSummary
            facts.append("<b>\(HTML.escape(start.mode))</b> <code>\(HTML.escape(command))</code>")
            if let t = epochSeconds(start.time) { facts.append("started \(Format.date(t))") }
            facts.append("interval \(HTML.num(start.options.intervalS)) s")
            if let kernel = start.kernel { facts.append("kernel \(HTML.escape(kernel))") }
            facts.append("memhound \(HTML.escape(start.version))")
        }
        if let first = summary.firstTime, let last = summary.lastTime { facts.append("recorded \(Format.seconds(last - first))") }
        let warnings = summary.warnings.map { #"<p class="warning">\#(HTML.escape($0))</p>"# }.joined()
        return """
            <header><h1>memhound report <span class="muted">\(HTML.escape(title))</span></h1>
            <p class="facts">\(facts.joined(separator: " · "))</p>
            <p class="muted small">from <code>\(HTML.escape(source))</code></p>\(warnings)</header>
            """
    }

    private func overview() -> String {
        var rows = ""
        for (i, p) in processes.enumerated() {
            let r = p.report
            let top = r?.sites.first.map { HTML.escape($0.name) } ?? "—"
            rows += "<tr><td><a href=\"#p\(i)\">\(HTML.escape(p.name))</a></td><td class=\"n\">\(p.pid)</td>"
                + "<td class=\"n\">\(p.duration.map(Format.seconds) ?? "—")</td>"
                + "<td class=\"n\">\(r.map { Format.mib($0.growth.anon) } ?? "—")</td>"
                + "<td class=\"n\">\(r.map { Format.mib($0.attributed.anon) } ?? "—")</td>"
                + "<td class=\"n\">\(r?.explained.map { String(format: "%.2f", $0) } ?? "—")</td>"
                + "<td><code>\(top)</code></td><td>\(HTML.escape(p.ending))</td></tr>"
        }
        return """
            <section><h2>Processes</h2><table class="overview"><thead><tr><th>process</th><th class="n">pid</th>
            <th class="n">traced</th><th class="n">anon growth</th><th class="n">attributed</th><th class="n">explained</th>
            <th>top site</th><th>ending</th></tr></thead><tbody>\(rows)</tbody></table></section>
            """
    }

    /// Alerts and OOM kills of the whole run, and its losses.
    private func events() -> String {
        let pids = Set(processes.map(\.pid))
        let alerts = summary.alerts.filter { pid == nil || $0.pid.map(pids.contains) ?? true }
        let ooms = summary.oomKills.filter { pid == nil || $0.pid.map(pids.contains) ?? true }
        var out = "<section><h2>Alerts and OOM kills</h2>"
        if alerts.isEmpty && ooms.isEmpty {
            out += #"<p class="muted">None in this recording.</p>"#
        } else {
            out += #"<table><thead><tr><th class="n">at</th><th>what</th><th>severity</th><th class="n">pid</th><th>message</th></tr></thead><tbody>"#
            for a in alerts {
                out += "<tr class=\"alert\"><td class=\"n\">\(at(a.time))</td><td>\(HTML.escape(a.kind ?? "alert"))</td>"
                    + "<td>\(HTML.escape(a.severity ?? "—"))</td><td class=\"n\">\(a.pid.map(String.init) ?? "—")</td>"
                    + "<td>\(HTML.escape(a.message ?? ""))</td></tr>"
            }
            for k in ooms {
                out += "<tr class=\"oom\"><td class=\"n\">\(at(k.time))</td><td>OOM kill</td><td>—</td>"
                    + "<td class=\"n\">\(k.pid.map(String.init) ?? "—")</td><td>\(HTML.escape(k.comm ?? ""))"
                    + "\(k.anon.map { " (anon " + Format.mib($0) + ")" } ?? "")</td></tr>"
            }
            out += "</tbody></table>"
        }
        if let lost = summary.lost?.lost ?? processes.compactMap({ $0.report?.lost }).last {
            let losses = nonZeroLosses(lost)
            out += "<h3>Lost (whole run)</h3><p>" + (losses.isEmpty ? "Nothing lost."
                : losses.map { "<code>\($0.0)</code> \($0.1)" }.joined(separator: ", ")
                    + #" <span class="muted">(what each means: docs/design.md, Losses)</span>"#) + "</p>"
        }
        return out + "</section>"
    }

    /// Seconds since the run's first line.
    func at(_ time: String) -> String {
        epochSeconds(time).map { String(format: "%.1f s", summary.offset($0)) } ?? HTML.escape(time)
    }

    private func footer() -> String {
        let counts = summary.lineCounts.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \($0.value)" }
        return #"<footer class="small muted"><p>Lines read: \#(counts.joined(separator: ", ")). Written by memhound report.</p>"#
            + #"<p id="render-status" data-state="static">Interactive parts (flame graph zoom) not loaded.</p></footer>"#
    }
}

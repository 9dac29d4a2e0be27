import MemhoundOutput

/// The top sites of a report as a table whose rows open to the site's full stack.
struct SiteList {
    var report: ReportLine
    var top: Int

    func render() -> String {
        let shown = report.sites.prefix(top)
        guard !shown.isEmpty else { return #"<p class="muted">No call sites.</p>"# }
        let total = report.sites.count + report.otherSites
        let largest = max(shown.map(\.grown).max() ?? 1, 1)
        var out = #"<p class="muted small">\#(shown.count) of \#(total) sites, by resident bytes. Open a row for its full stack (leaf first).</p>"#
        out += #"<div class="sites"><div class="site head"><span class="n">resident</span><span class="n">grown</span>"#
            + #"<span class="n">released</span><span>category</span><span>site · key frames</span></div>"#
        for site in shown { out += row(site, largest: largest) }
        return out + "</div>"
    }

    private func row(_ s: SiteEntry, largest: UInt64) -> String {
        let keys = s.keyFrames()
        // Long (demangled) names are cut here; the full stack below has them whole.
        let rest = keys.dropFirst().map { HTML.escape(TerminalText.printable($0, limit: 48)) }.joined(separator: " &lt; ")
        let resident = Format.mib(s.bytes) + (s.uncertainBytes > 0 ? " +\(Format.mibNumber(s.uncertainBytes))?" : "")
        let bar = Double(s.bytes) / Double(largest) * 100, grownBar = Double(s.grown) / Double(largest) * 100
        var out = "<details class=\"site-row\"><summary class=\"site\"><span class=\"n\">\(resident)</span>"
            + "<span class=\"n\">\(Format.mib(s.grown))</span><span class=\"n\">\(Format.mib(s.released))</span>"
            + "<span><i class=\"swatch\" style=\"background:\(CategoryStyle.color(s.category))\"></i>\(HTML.escape(s.category))"
            + (s.cgo == true ? #" <b class="cgo" title="grown by C code called through cgo">cgo</b>"# : "") + "</span>"
            + "<span class=\"name\"><code class=\"site-name\">\(HTML.escape(s.name))</code>"
        if !rest.isEmpty { out += " <span class=\"muted\">&lt; \(rest)</span>" }
        out += "<span class=\"bar\"><i class=\"grown\" style=\"width:\(HTML.num(grownBar))%\"></i>"
            + "<i class=\"held\" style=\"width:\(HTML.num(bar))%\"></i></span></span></summary>"
        out += "<div class=\"stack\"><p class=\"small muted\">\(s.faults) faults · \(s.mapped.count) live mappings of \(Format.mib(s.mapped.bytes))"
        if let age = s.mapped.oldestAgeS { out += ", oldest \(Format.seconds(age))" }
        if s.uncertainBytes > 0 { out += " · may hold \(Format.mib(s.uncertainBytes)) more" }
        out += "</p><ol class=\"frames\">"
        for f in s.frames { out += frame(f) }
        return out + "</ol></div></details>"
    }

    private func frame(_ f: Frame) -> String {
        let module = f.module.split(separator: "/").last.map(String.init) ?? f.module
        var where_ = f.file.map { HTML.escape($0) + (f.line.map { ":\($0)" } ?? "") } ?? ""
        if where_.isEmpty { where_ = "\(HTML.escape(module))+\(HTML.escape(f.offset))" }
        let name = f.function.map(HTML.escape) ?? #"<span class="muted">?</span>"#
        let tags = (f.inlined ? #" <span class="tag">inlined</span>"# : "") + (f.moduleDeleted == true ? #" <span class="tag">deleted</span>"# : "")
        return "<li><code class=\"fn\">\(name)</code>\(tags) <span class=\"where\">\(where_)</span>"
            + " <span class=\"module\" title=\"\(HTML.escape(f.module))\">\(HTML.escape(module))</span></li>"
    }
}

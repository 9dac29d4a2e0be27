import MemhoundOutput

/// `watch`'s live view: each cgroup with its traced processes, its own usage against its limit and
/// its top call sites; the processes with the most growth.
extension TerminalView {
    func renderWatch(final: Bool) -> String {
        var text = header()
        let live = final ? Array(latest.values) : latest.values.filter { !$0.final }
        text += "\(final ? "final" : "watching") · \(live.count) processes traced, \(ended) ended"
        if lost.total > 0 { text += " · lost: \(Self.describe(lost)) (figures they touch are marked uncertain)" }
        text += "\n"
        for g in groups.values.sorted(by: { $0.attributed.anon > $1.attributed.anon }).prefix(8) {
            let usage = g.memory?.usage.map { Self.mib($0) } ?? "?"
            let limit = g.memory?.limit.map { " of \(Self.mib($0))" } ?? ""
            let name = g.container.map { "\($0.runtime) \($0.id.prefix(12))" } ?? g.cgroup
            // A long path keeps its end: the innermost cgroup names the container.
            let shown = name.count > 60 ? "…" + name.suffix(59) : name
            text += "\n" + TerminalText.printable(String(shown), limit: 61) + " · \(g.processes) processes · usage \(usage)\(limit)"
                + " · attributed \(Self.mib(Int64(g.attributed.anon)))\n"
            for site in g.sites.prefix(min(top, 5)) {
                let resident = Self.size(site.bytes) + (site.uncertainBytes > 0 ? "+" : "")
                let processes = (site.processes ?? 1) > 1 ? " (\(site.processes!) processes)" : ""
                text += "  " + Self.pad(resident, 10) + Self.pad(site.categoryLabel, 17)
                    + TerminalText.printable(Self.keyFrames(site.frames), limit: 80) + processes + "\n"
            }
        }
        if groups.isEmpty, !live.isEmpty { text += "\n(no cgroup read yet)\n" }
        let busiest = live.sorted { ($0.growth.anon, $1.pid) > ($1.growth.anon, $0.pid) }
        if !busiest.isEmpty {
            text += "\n" + Self.pad("PID", 9) + Self.pad("GREW", 12) + Self.pad("COMM", 17) + "TOP CALL SITE\n"
            for r in busiest.prefix(10) {
                text += Self.pad(String(r.pid), 9) + Self.pad(Self.signedMiB(r.growth.anon), 12)
                    + Self.pad(TerminalText.printable(r.comm ?? "?", limit: 16), 17)
                    + (r.sites.first.map { TerminalText.printable(CallSite(frames: $0.frames).name, limit: 50) } ?? "-") + "\n"
            }
            if busiest.count > 10 { text += "... \(busiest.count - 10) more processes\n" }
        }
        if final {
            text += linesPath.map { "\nJSON lines: \($0)\n" } ?? "\nJSON lines were not kept (-o FILE keeps them, --format json prints them)\n"
        }
        return text
    }
}

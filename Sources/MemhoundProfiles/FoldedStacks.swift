import MemhoundOutput

/// Final reports as folded stacks (Brendan Gregg's stackcollapse format), which FlameGraph,
/// inferno and speedscope read: one line per site, root first, frames joined by ";", then a
/// space and the site's resident bytes.
public enum FoldedStacks {
    /// Sites holding no resident bytes are left out (a flame graph has nothing to draw for them).
    /// With several processes, each stack starts at a frame naming its process.
    public static func text(_ reports: [ReportLine]) -> String {
        let severalProcesses = Set(reports.map(\.pid)).count > 1
        var out = ""
        for report in reports {
            let root = severalProcesses ? ["\(report.comm ?? "?") (\(report.pid))"] : []
            for site in report.sites where site.bytes > 0 {
                let frames = site.frames.isEmpty ? ["[stack not captured]"] : site.frames.reversed().map(\.profileName)
                out += (root + frames).map(clean).joined(separator: ";") + " \(site.bytes)\n"
            }
        }
        return out
    }

    /// ";" separates frames and a line ends the stack: neither may appear inside a name.
    static func clean(_ name: String) -> String {
        String(name.map { $0 == ";" ? ":" : ($0.isNewline ? " " : $0) })
    }
}

import Foundation

/// An SVG chart of one process's anonymous memory over time: the growth the kernel measured (from
/// `rss` samples, counted from the same point as the reports' growth), what memhound attributed, and
/// the attributed bytes stacked by category; exits, execs, alerts and OOM kills as vertical markers.
struct TimelineChart {
    struct Marker {
        var time: Double
        var label: String
        /// CSS class: exit, exec, alert, oom.
        var kind: String
    }

    var process: ProcessSummary
    /// Seconds since the run's first line, for a process's epoch time.
    var offset: (Double) -> Double
    var markers: [Marker]

    let width = 1120.0, height = 300.0
    let left = 64.0, right = 24.0, top = 36.0, bottom = 34.0

    /// Observed growth: each sample less the baseline of the report in force then (exec resets it), and
    /// each report's own growth (the final one is often the only figure after the last sample).
    var observed: [(Double, Double)] {
        let reports = process.reports
        if reports.isEmpty, let first = process.rss.first {
            return process.rss.map { (offset($0.time), Double($0.anon) - Double(first.anon)) }
        }
        var i = 0
        let samples = process.rss.map { s in
            while i + 1 < reports.count, reports[i + 1].time <= s.time { i += 1 }
            return (time: s.time, growth: Double(s.anon) - Double(reports[i].baseline))
        }
        let all = samples + reports.map { (time: $0.time, growth: Double($0.growthAnon)) }
        return all.sorted { $0.time < $1.time }.map { (offset($0.time), $0.growth) }
    }

    func render() -> String {
        let points = thin(observed)
        let reports = thin(process.reports.map { ($0.time, $0) }).map(\.1)
        guard points.count >= 2 else {
            return #"<p class="muted">Too few samples for a timeline (fewer than two rss lines and reports together).</p>"#
        }
        let times = points.map(\.0) + reports.map { offset($0.time) } + markers.map(\.time)
        let x0 = times.min() ?? 0, x1 = max(times.max() ?? 1, x0 + 1)
        let values = points.map(\.1) + reports.map { Double($0.attributed + $0.uncertain) }
            + reports.map { Double($0.categories.values.reduce(0, +)) }
        let yTicks = Ticks(low: min(0, values.min() ?? 0) / mib, high: max(1, (values.max() ?? 1) / mib))
        let xTicks = Ticks(low: x0, high: x1)
        // Time spans exactly the data (rounding it up to a tick wastes width); MiB rounds to ticks.
        let plot = Plot(x0: x0, x1: x1, y0: yTicks.low, y1: yTicks.high,
                        left: left, right: width - right, top: top, bottom: height - bottom)

        var svg = #"<svg class="timeline" viewBox="0 0 \#(HTML.num(width)) \#(HTML.num(height))" role="img" aria-label="anonymous memory over time">"#
        svg += axes(plot, xTicks, yTicks)
        svg += stacked(reports, plot)
        // Attributed last: where the two agree its dashes still show over the observed line.
        if !points.isEmpty { svg += polyline(points.map { ($0.0, $0.1 / mib) }, plot, cls: "observed") }
        if reports.count >= 1 {
            let line = reports.map { (offset($0.time), Double($0.attributed) / mib) }
            svg += polyline(line, plot, cls: "attributed")
        }
        svg += markerLines(plot)
        svg += "</svg>"
        return svg + legend(reports)
    }

    private let mib = 1_048_576.0

    private func stacked(_ reports: [ReportPoint], _ plot: Plot) -> String {
        guard reports.count >= 2 else { return "" }
        let names = CategoryStyle.sorted(Set(reports.flatMap { $0.categories.filter { $0.value > 0 }.keys }))
        var below = [Double](repeating: 0, count: reports.count)
        var out = ""
        for name in names {
            let above = zip(below, reports).map { $0 + Double($1.categories[name] ?? 0) / mib }
            let upper = zip(reports, above).map { (offset($0.time), $1) }
            let lower = zip(reports, below).map { (offset($0.time), $1) }.reversed()
            let path = (upper + lower).map { "\(HTML.num(plot.x($0.0))),\(HTML.num(plot.y($0.1)))" }.joined(separator: " ")
            out += #"<polygon class="area" points="\#(path)" fill="\#(CategoryStyle.color(name))"><title>\#(HTML.escape(name))</title></polygon>"#
            below = above
        }
        return out
    }

    private func polyline(_ points: [(Double, Double)], _ plot: Plot, cls: String) -> String {
        let path = points.map { "\(HTML.num(plot.x($0.0))),\(HTML.num(plot.y($0.1)))" }.joined(separator: " ")
        var out = #"<polyline class="\#(cls)" points="\#(path)"/>"#
        if points.count == 1 {
            out += #"<circle class="\#(cls)" cx="\#(HTML.num(plot.x(points[0].0)))" cy="\#(HTML.num(plot.y(points[0].1)))" r="3"/>"#
        }
        return out
    }

    private func axes(_ plot: Plot, _ xTicks: Ticks, _ yTicks: Ticks) -> String {
        var out = ""
        for v in yTicks.values {
            let y = HTML.num(plot.y(v))
            out += #"<line class="grid" x1="\#(HTML.num(plot.left))" x2="\#(HTML.num(plot.right))" y1="\#(y)" y2="\#(y)"/>"#
            out += #"<text class="tick" x="\#(HTML.num(plot.left - 6))" y="\#(y)" text-anchor="end" dominant-baseline="middle">\#(yTicks.label(v))</text>"#
        }
        for v in xTicks.values where v >= plot.x0 - 1e-9 && v <= plot.x1 + 1e-9 {
            let x = HTML.num(plot.x(v))
            out += #"<line class="grid" x1="\#(x)" x2="\#(x)" y1="\#(HTML.num(plot.top))" y2="\#(HTML.num(plot.bottom))"/>"#
            out += #"<text class="tick" x="\#(x)" y="\#(HTML.num(plot.bottom + 16))" text-anchor="middle">\#(xTicks.label(v)) s</text>"#
        }
        out += #"<text class="axis-label" x="14" y="\#(HTML.num((plot.top + plot.bottom) / 2))" transform="rotate(-90 14 \#(HTML.num((plot.top + plot.bottom) / 2)))" text-anchor="middle">MiB</text>"#
        return out
    }

    /// Labels take the upper row unless the previous label there is too close, then the lower one.
    private func markerLines(_ plot: Plot) -> String {
        var rowEnds = [-Double.infinity, -Double.infinity]
        return markers.sorted { $0.time < $1.time }.map { m in
            let px = plot.x(m.time), x = HTML.num(px)
            let halfWidth = Double(min(m.label.count, 40)) * 3.3 + 4
            let row = rowEnds[0] < px - halfWidth ? 0 : (rowEnds[1] < px - halfWidth ? 1 : 0)
            rowEnds[row] = px + halfWidth
            let label = m.label.count > 40 ? String(m.label.prefix(39)) + "…" : m.label
            return #"<g class="marker \#(m.kind)"><line x1="\#(x)" x2="\#(x)" y1="\#(HTML.num(plot.top - 4 - Double(1 - row) * 12))" y2="\#(HTML.num(plot.bottom))"/>"#
                + #"<text x="\#(x)" y="\#(HTML.num(plot.top - 8 - Double(1 - row) * 12))" text-anchor="middle">\#(HTML.escape(label))</text>"#
                + #"<title>\#(HTML.escape(m.label)) at \#(HTML.num(m.time)) s</title></g>"#
        }.joined()
    }

    private func legend(_ reports: [ReportPoint]) -> String {
        var items = [#"<span><i class="swatch line observed"></i>observed growth (rss samples, reports)</span>"#,
                     #"<span><i class="swatch line attributed"></i>attributed to call sites</span>"#]
        let names = CategoryStyle.sorted(Set(reports.flatMap { $0.categories.filter { $0.value > 0 }.keys }))
        items += names.map { #"<span><i class="swatch" style="background:\#(CategoryStyle.color($0))"></i>\#(HTML.escape($0))</span>"# }
        return #"<div class="legend">\#(items.joined())</div>"#
    }

    /// At most 1,500 points per series: a long run's every sample would not be visible anyway.
    private func thin<T>(_ series: [T]) -> [T] {
        guard series.count > 1500 else { return series }
        let step = (series.count + 1499) / 1500
        var out = stride(from: 0, to: series.count, by: step).map { series[$0] }
        if (series.count - 1) % step != 0, let last = series.last { out.append(last) }
        return out
    }
}

/// Data space to SVG space.
struct Plot {
    var x0, x1, y0, y1: Double
    var left, right, top, bottom: Double
    func x(_ v: Double) -> Double { left + (v - x0) / max(x1 - x0, 1e-9) * (right - left) }
    func y(_ v: Double) -> Double { bottom - (v - y0) / max(y1 - y0, 1e-9) * (bottom - top) }
}

/// Round axis ticks (1, 2 or 5 times a power of ten) covering [low, high].
struct Ticks {
    let low: Double, high: Double, step: Double

    init(low: Double, high: Double, count: Double = 5) {
        let span = max(high - low, 1e-9)
        let raw = span / count
        let power = pow10(floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? raw
        self.step = step
        self.low = floor(low / step) * step
        self.high = max(ceil(high / step) * step, self.low + step)
    }

    var values: [Double] { stride(from: low, through: high + step / 2, by: step).map { $0 } }

    func label(_ v: Double) -> String {
        step >= 1 ? String(Int(v.rounded())) : String(format: "%.\(max(1, Int(-floor(log10(step)))))f", v)
    }
}

private func pow10(_ e: Double) -> Double { Foundation.pow(10, e) }

import MemhoundOutput

/// An icicle graph of the bytes a process's sites hold resident, from its report's sites: the root is
/// the process, each row down one frame further towards the leaf, a frame's width its bytes. Rendered as
/// SVG here (readable without scripts); the page's script adds zooming on click.
struct FlameGraph {
    final class Node {
        let name: String
        var bytes: UInt64 = 0
        var children: [Node] = []
        var inlined = false
        init(_ name: String) { self.name = name }

        func child(_ name: String) -> Node {
            if let found = children.first(where: { $0.name == name }) { return found }
            let made = Node(name)
            children.append(made)
            return made
        }
    }

    var report: ReportLine
    var processName: String

    let width = 1120.0, row = 18.0
    /// Deeper frames are cut (very deep recursion would make the graph unreadably tall).
    let maxDepth = 64

    func tree() -> Node {
        let root = Node(processName)
        for site in report.sites where site.bytes > 0 {
            root.bytes += site.bytes
            var node = root
            for frame in site.frames.reversed().prefix(maxDepth) {
                node = node.child(Self.label(frame))
                node.inlined = frame.inlined
                node.bytes += site.bytes
            }
        }
        let listed = root.bytes
        if report.otherSites > 0, report.attributed.anon > listed {
            let other = root.child("[\(report.otherSites) sites not listed in the report]")
            other.bytes = report.attributed.anon - listed
            root.bytes += other.bytes
        }
        for node in all(root) { node.children.sort { $0.bytes > $1.bytes } }
        return root
    }

    static func label(_ f: Frame) -> String {
        if let function = f.function { return function }
        let module = f.module.split(separator: "/").last.map(String.init) ?? f.module
        return "\(module)+\(f.offset)"
    }

    func render(id: String) -> String {
        let root = tree()
        guard root.bytes > 0 else { return #"<p class="muted">No resident bytes in the listed sites: nothing to draw.</p>"# }
        var rects: [String] = []
        var depth = 0
        layout(root, x: 0, depth: 0, total: Double(root.bytes), into: &rects, deepest: &depth)
        let height = Double(depth + 1) * row
        return #"<svg class="flame" id="\#(id)" viewBox="0 0 \#(HTML.num(width)) \#(HTML.num(height))" data-width="\#(HTML.num(width))" role="img" aria-label="flame graph of resident bytes">"#
            + rects.joined() + "</svg>"
    }

    private func layout(_ node: Node, x: Double, depth: Int, total: Double, into rects: inout [String], deepest: inout Int) {
        let w = Double(node.bytes) / total
        guard w * width >= 1 else { return }  // narrower than a pixel: invisible
        deepest = max(deepest, depth)
        let px = x * width, pw = w * width
        let share = String(format: "%.1f%%", w * 100)
        let text = Format.mib(node.bytes) + ", " + share
        let cls = depth == 0 ? "root" : (node.inlined ? "inl" : "")
        rects.append(#"<g class="f \#(cls)" data-x="\#(x)" data-w="\#(w)" data-d="\#(depth)">"#
            + #"<title>\#(HTML.escape(node.name))&#10;\#(text)</title>"#
            + #"<rect x="\#(HTML.num(px))" y="\#(HTML.num(Double(depth) * row))" width="\#(HTML.num(max(pw - 0.5, 0.5)))" height="\#(HTML.num(row - 1))" fill="\#(color(node, depth))"/>"#
            + #"<text x="\#(HTML.num(px + 3))" y="\#(HTML.num(Double(depth) * row + 12.5))">\#(HTML.escape(Self.fit(node.name, pw)))</text></g>"#)
        var childX = x
        for child in node.children {
            layout(child, x: childX, depth: depth + 1, total: total, into: &rects, deepest: &deepest)
            childX += Double(child.bytes) / total
        }
    }

    /// As much of the name as fits in `width` pixels (about 6.6 per character at the page's size).
    static func fit(_ name: String, _ width: Double) -> String {
        let chars = Int((width - 6) / 6.6)
        if chars < 3 { return "" }
        return name.count <= chars ? name : String(name.prefix(chars - 1)) + "…"
    }

    /// Warm colours, stable per name; the root grey.
    private func color(_ node: Node, _ depth: Int) -> String {
        if depth == 0 { return "#c9ccd1" }
        let h = node.name.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 }
        let hue = 8 + Int(h % 40), light = 62 + Int((h >> 8) % 14)
        return "hsl(\(hue),78%,\(light)%)"
    }

    private func all(_ node: Node) -> [Node] { [node] + node.children.flatMap(all) }
}

import MemhoundAgent
import MemhoundOutput

/// A call site as a metric labels it: short and stable across restarts (no addresses).
struct SiteLabel: Hashable, Sendable {
    /// `CallSite(frames:).name`: the first function outside syscall and libc wrappers.
    var name: String
    /// The basename of that frame's module ("" when there is no frame, and for site="other").
    var module: String

    static let other = SiteLabel(name: "other", module: "")

    init(name: String, module: String) {
        self.name = name
        self.module = module
    }

    init(frames: [Frame]) {
        let name = CallSite(frames: frames).name
        // The frame CallSite named: its name is a function, or module+offset for a frame without one.
        let frame = frames.first { !$0.inlined && ($0.function ?? "\($0.module)+\($0.offset)") == name }
            ?? frames.first { ($0.function ?? "\($0.module)+\($0.offset)") == name }
        self.init(name: name, module: frame.map { Self.basename($0.module) } ?? "")
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

enum SiteSeries {
    /// Resident bytes by site label: sites of the same short name and module are one series (they
    /// differ by callers the label leaves out), and what the attributed bytes hold beyond the
    /// report's sites is `other`.
    static func sum(_ r: ReportLine) -> [SiteLabel: UInt64] {
        var bytes: [SiteLabel: UInt64] = [:]
        var listed: UInt64 = 0
        for site in r.sites {
            var label = SiteLabel(frames: site.frames)
            // A site whose short name is "other" must not be summed with the folded sites.
            if label == .other { label.module = "?" }
            bytes[label, default: 0] += site.bytes
            listed += site.bytes
        }
        bytes[.other, default: 0] += r.attributed.anon > listed ? r.attributed.anon - listed : 0
        return bytes
    }
}

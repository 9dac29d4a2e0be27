import MemhoundAccounting
import MemhoundKernel
import MemhoundOutput

/// Builds `report` lines: per call site, kernel-counted growth minus the
/// releases the ledger charged back to it, next to the /proc view of RSS.
public struct ReportBuilder {
    var top: Int

    struct SiteTotals {
        var grown: UInt64 = 0
        var faults: UInt64 = 0
        var released: UInt64 = 0
        /// Growth no release can be charged against (see memhound_site_growth.unlocated).
        var unlocated: UInt64 = 0
        var mappedBytes: UInt64 = 0
        var mappedCount = 0
        var oldestMapping: UInt64?
        /// Resident bytes it owns, by kind of memory.
        var byCategory: [MemoryCategory: UInt64] = [:]

        var net: UInt64 { grown > released ? grown - released : 0 }
        /// Resident bytes the ledger places at an address.
        var located: UInt64 { byCategory.values.reduce(0, +) }

        /// The kind most of its resident bytes are, or nil when none are located.
        var category: MemoryCategory? { byCategory.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key }

        mutating func add(_ o: SiteTotals) {
            grown += o.grown
            faults += o.faults
            released += o.released
            unlocated += o.unlocated
            mappedBytes += o.mappedBytes
            mappedCount += o.mappedCount
            oldestMapping = [oldestMapping, o.oldestMapping].compactMap { $0 }.min()
            byCategory.merge(o.byCategory, uniquingKeysWith: +)
        }
    }

    /// The function chain that identifies a call site. Leading frames inside
    /// syscall wrappers and the C library (mmap64, memset, malloc internals) are
    /// left out of the key, so that an mmap call and the loop that touches its
    /// pages, or a malloc and its caller's first write, are one site.
    /// Trailing process and thread start frames (`_start`, `__libc_start_main`,
    /// `start_thread`, `clone3`) are left out too: CFI-unwound stacks reach them,
    /// frame-pointer stacks often stop short.
    /// Inlined frames are shown but not part of the key: a site is a chain of
    /// concrete functions (so the touching code's inlines and the mmap call meet).
    static func siteKey(_ all: [Frame]) -> [String] {
        let frames = all.contains { !$0.inlined } ? all.filter { !$0.inlined } : all
        let key = frames.map { $0.function ?? "\($0.module)+\($0.offset)" }
        let wrappers = frames.prefix { isWrapper($0) }.count
        var trimmed = wrappers < key.count ? Array(key.dropFirst(wrappers)) : key
        while trimmed.count > 1, let last = trimmed.last, isStartRoutine(last) { trimmed.removeLast() }
        return trimmed
    }

    static func isStartRoutine(_ name: String) -> Bool {
        let base = name.split(separator: "@").first.map(String.init) ?? name
        return ["_start", "__libc_start_main", "__libc_start_call_main", "__libc_start_main_impl",
                "start_thread", "clone", "clone3", "__clone", "__clone3", "__clone_internal"].contains(base)
    }

    /// A short name for a site: its first function outside wrappers.
    public static func siteName(_ frames: [Frame]) -> String {
        siteKey(frames).first ?? "[no stack]"
    }

    static func isWrapper(_ f: Frame) -> Bool {
        let module = f.module.split(separator: "/").last.map(String.init) ?? f.module
        if module.hasPrefix("libc.so") || module.hasPrefix("libc-") { return true }
        guard let name = f.function else { return false }
        return ["syscall.", "runtime/internal/syscall.", "internal/runtime/syscall.", "golang.org/x/sys/unix."]
            .contains { name.hasPrefix($0) }
    }

    /// Stacks that differ only in return addresses inside the same functions
    /// (the mmap call and the loop touching its pages) are one call site.
    func group(_ totals: [Int32: SiteTotals], frames: (Int32) -> [Frame]) -> [(frames: [Frame], totals: SiteTotals)] {
        var groups: [[String]: (frames: [Frame], totals: SiteTotals, weight: (UInt64, UInt64))] = [:]
        for (stack, t) in totals {
            let f = frames(stack)
            let key = Self.siteKey(f)
            // The stack that grew the most shows the site (the touching code, not the mmap call).
            let weight = (t.grown, t.mappedBytes)
            if var g = groups[key] {
                g.totals.add(t)
                if weight > g.weight { g.frames = f; g.weight = weight }
                groups[key] = g
            } else {
                groups[key] = (f, t, weight)
            }
        }
        return groups.values.map { ($0.frames, $0.totals) }
    }

    /// Totals per stack of process `pid`.
    func sites(pid: Int32, growth: [SiteKey: SiteGrowth], ledger: ProcessLedger?) -> [Int32: SiteTotals] {
        var totals: [Int32: SiteTotals] = [:]
        for (key, g) in growth where key.tgid == pid {
            totals[key.stackID, default: SiteTotals()].grown = g.bytes
            totals[key.stackID, default: SiteTotals()].faults = g.increments
            totals[key.stackID, default: SiteTotals()].unlocated = g.unlocated
            totals[key.stackID, default: SiteTotals()].released = g.released
        }
        guard let ledger else { return totals }
        for (stack, bytes) in ledger.released {
            totals[stack, default: SiteTotals()].released += bytes
        }
        for (stack, bytes) in ledger.unlocated {
            totals[stack, default: SiteTotals()].unlocated += bytes
        }
        for piece in ledger.resident.entries {
            totals[piece.value.stackID, default: SiteTotals()].byCategory[piece.value.category, default: 0] +=
                piece.length * ledger.pageWeight
        }
        for (stack, delta) in ledger.transferred {
            let t = totals[stack, default: SiteTotals()]
            totals[stack, default: SiteTotals()].grown = UInt64(max(0, Int64(t.grown) + delta))
        }
        for m in ledger.mappings.entries where m.value.prot != 0 {
            var t = totals[m.value.stackID, default: SiteTotals()]
            t.mappedBytes += m.length
            t.mappedCount += 1
            t.oldestMapping = min(t.oldestMapping ?? m.value.created, m.value.created)
            totals[m.value.stackID] = t
        }
        return totals
    }

    func report(process p: TracedProcess, final: Bool, time: String, nowNs: UInt64, elapsed: Double,
                totals: [Int32: SiteTotals], unownedRelease: UInt64, reclaimedUnseen: UInt64 = 0,
                lost: LostCounts, frames: (Int32) -> [Frame]) -> ReportLine {
        let c = p.counters
        // Pages whose release went unseen and that were made resident again were charged then.
        let unseen = c.unseen_release - min(c.unseen_release, reclaimedUnseen)
        let bounds = UnchargedRelease(unseen: unseen, unmatched: unownedRelease,
                                      unlocated: totals.values.reduce(0) { $0 + $1.unlocated },
                                      freshAddressSpace: p.baseline.anon == 0)
        let net = totals.values.reduce(0) { $0 + $1.net }
        let growth = p.latest - p.baseline
        // Ranked by what a site certainly holds: a site whose releases may have gone unseen
        // must not lead the report on bytes it may no longer hold.
        let ranked = group(totals, frames: frames)
            .filter { $0.totals.grown > 0 || $0.totals.mappedBytes > 0 }
            .map { (frames: $0.frames, totals: $0.totals, uncertain: bounds.siteBound($0.totals)) }
            .sorted { a, b in
                (a.totals.net - a.uncertain, a.totals.mappedBytes, a.totals.grown)
                    > (b.totals.net - b.uncertain, b.totals.mappedBytes, b.totals.grown)
            }
        let overstated = bounds.overstatement(siteBounds: ranked.reduce(0) { $0 + $1.uncertain })
        let attributed = net > overstated ? net - overstated : 0
        var categories = Dictionary(uniqueKeysWithValues: MemoryCategory.allCases.map { ($0.rawValue, UInt64(0)) })
        var siteCategory: [Int: MemoryCategory] = [:]
        for (index, site) in ranked.enumerated() {
            // Located bytes count by where they lie; the rest by what the site's code is.
            let kind = site.totals.category ?? fallbackCategory(site.frames, isGo: p.isGo ?? false)
            siteCategory[index] = kind
            var located: UInt64 = 0
            for (c, bytes) in site.totals.byCategory {
                categories[c.rawValue, default: 0] += bytes
                located += bytes
            }
            let certain = site.totals.net - site.uncertain
            if certain > located { categories[kind.rawValue, default: 0] += certain - located }
        }
        let sites = ranked.prefix(top).enumerated().map { index, site in
            let t = site.totals
            return SiteEntry(
                bytes: t.net - site.uncertain, grown: t.grown, released: t.released, faults: t.faults,
                mapped: MappedBytes(bytes: t.mappedBytes, count: t.mappedCount,
                                    oldestAgeS: t.oldestMapping.map { Double(nowNs &- $0) / 1e9 }),
                frames: site.frames, category: (siteCategory[index] ?? .other).rawValue,
                uncertainBytes: site.uncertain)
        }
        var line = ReportLine(
            time: time, final: final, pid: p.pid, comm: p.comm, elapsedS: elapsed, rss: p.latest,
            growth: growth, attributed: AttributedBytes(anon: attributed, uncertain: net - attributed),
            explained: growth.anon > 0 ? Double(attributed) / Double(growth.anon) : nil,
            unattributed: Unattributed(
                foreignGrowth: c.foreign_growth, foreignRelease: c.foreign_release,
                unscopedRelease: c.unscoped_release, preexistingRelease: unownedRelease - bounds.unlocatedRelease,
                unlocatedRelease: bounds.unlocatedRelease, unseenRelease: bounds.unseen),
            sites: Array(sites), otherSites: max(0, ranked.count - top), lost: lost,
            categories: categories)
        line.lostRecords = c.lost_records
        return line
    }

    private func fallbackCategory(_ frames: [Frame], isGo: Bool) -> MemoryCategory {
        CategoryRules.category(stackTouch: false, isGo: isGo, faulting: frames.compactMap(\.function), region: nil)
    }
}

import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

/// Builds `report` lines: per call site (CallSite), kernel-counted growth minus the
/// releases the ledger charged back to it, next to the /proc view of RSS.
public struct ReportBuilder {
    var top: Int

    struct SiteTotals {
        var grown: UInt64 = 0
        var faults: UInt64 = 0
        var released: UInt64 = 0
        /// Growth no release can be charged against (see memhound_stack_growth.unlocated).
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

    /// The stacks' totals summed by call site (see CallSite).
    func group(_ totals: [StackName: SiteTotals], frames: (StackName) -> [Frame]) -> [(frames: [Frame], totals: SiteTotals)] {
        var groups: [CallSite: (frames: [Frame], totals: SiteTotals, weight: (UInt64, UInt64))] = [:]
        for (stack, t) in totals {
            let f = frames(stack)
            let key = CallSite(frames: f)
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
    func sites(pid: Int32, growth: [ProcessStack: StackGrowth], ledger: ProcessLedger?) -> [StackName: SiteTotals] {
        var totals: [StackName: SiteTotals] = [:]
        for (key, g) in growth where key.tgid == pid {
            totals[key.stack, default: SiteTotals()].grown = g.bytes
            totals[key.stack, default: SiteTotals()].faults = g.increments
            totals[key.stack, default: SiteTotals()].unlocated = g.unlocated
            totals[key.stack, default: SiteTotals()].released = g.released
        }
        guard let ledger else { return totals }
        for (stack, bytes) in ledger.released {
            totals[stack, default: SiteTotals()].released += bytes
        }
        for (stack, bytes) in ledger.unlocated {
            totals[stack, default: SiteTotals()].unlocated += bytes
        }
        for piece in ledger.resident.entries {
            totals[piece.value.stack, default: SiteTotals()].byCategory[piece.value.category, default: 0] +=
                piece.length * ledger.pageWeight
        }
        for (stack, delta) in ledger.recharged {
            let t = totals[stack, default: SiteTotals()]
            totals[stack, default: SiteTotals()].grown = UInt64(max(0, Int64(t.grown) + delta))
        }
        for m in ledger.mappings.entries where m.value.prot != 0 {
            var t = totals[m.value.stack, default: SiteTotals()]
            t.mappedBytes += m.length
            t.mappedCount += 1
            t.oldestMapping = min(t.oldestMapping ?? m.value.created, m.value.created)
            totals[m.value.stack] = t
        }
        return totals
    }

    func report(process p: TracedProcess, final: Bool, time: String, nowNs: UInt64, elapsed: Double,
                totals: [StackName: SiteTotals], unmatchedRelease: UInt64, reclaimedUnseen: UInt64 = 0,
                lost: LostCounts, frames: (StackName) -> [Frame]) -> ReportLine {
        let c = p.counters
        // Pages whose release went unseen and that were made resident again were charged then.
        let unseen = c.unseen_release - min(c.unseen_release, reclaimedUnseen)
        let bounds = UnchargedRelease(unseen: unseen, unmatched: unmatchedRelease,
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
        var cgoSites: Set<Int> = []
        var cgoBytes: UInt64 = 0
        let isGo = p.isGo ?? false
        for (index, site) in ranked.enumerated() {
            // Located bytes count by where they lie; the rest by what the site's code is.
            let kind = site.totals.category ?? fallbackCategory(site.frames, isGo: isGo)
            siteCategory[index] = kind
            var located: UInt64 = 0
            for (c, bytes) in site.totals.byCategory {
                categories[c.rawValue, default: 0] += bytes
                located += bytes
            }
            let certain = site.totals.net - site.uncertain
            if certain > located { categories[kind.rawValue, default: 0] += certain - located }
            if CategoryRules.isCgo(isGo: isGo, frames: site.frames, category: kind) {
                cgoSites.insert(index)
                cgoBytes += certain
            }
        }
        let sites = ranked.prefix(top).enumerated().map { index, site in
            let t = site.totals
            var entry = SiteEntry(
                bytes: t.net - site.uncertain, grown: t.grown, released: t.released, faults: t.faults,
                mapped: MappedBytes(bytes: t.mappedBytes, count: t.mappedCount,
                                    oldestAgeS: t.oldestMapping.map { Double(nowNs &- $0) / 1e9 }),
                frames: site.frames, category: (siteCategory[index] ?? .other).rawValue,
                uncertainBytes: site.uncertain)
            if cgoSites.contains(index) { entry.cgo = true }
            return entry
        }
        var line = ReportLine(
            time: time, final: final, pid: p.pid, comm: p.comm, elapsedS: elapsed, rss: p.latest,
            growth: growth, attributed: AttributedBytes(anon: attributed, uncertain: net - attributed),
            explained: growth.anon > 0 ? Double(attributed) / Double(growth.anon) : nil,
            unattributed: Unattributed(
                foreignGrowth: c.foreign_growth, foreignRelease: c.foreign_release,
                unscopedRelease: c.unscoped_release, preexistingRelease: unmatchedRelease - bounds.unlocatedRelease,
                unlocatedRelease: bounds.unlocatedRelease, unseenRelease: bounds.unseen),
            sites: Array(sites), otherSites: max(0, ranked.count - top), lost: lost,
            categories: categories)
        line.lostRecords = c.lost_records
        // Go programs: what the sites that C code called through cgo grew certainly hold.
        if isGo { line.cgoBytes = cgoBytes }
        return line
    }

    private func fallbackCategory(_ frames: [Frame], isGo: Bool) -> MemoryCategory {
        CategoryRules.category(stackTouch: false, isGo: isGo, faulting: frames, region: nil)
    }
}

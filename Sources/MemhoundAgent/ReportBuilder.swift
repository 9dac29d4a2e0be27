import MemhoundAccounting
import MemhoundKernel
import MemhoundOutput

/// Builds `report` lines: per call site, kernel-counted growth minus the
/// releases the ledger charged back to it, next to the /proc view of RSS.
struct ReportBuilder {
    var top: Int

    struct SiteTotals {
        var grown: UInt64 = 0
        var faults: UInt64 = 0
        var released: UInt64 = 0
        var mappedBytes: UInt64 = 0
        var mappedCount = 0
        var oldestMapping: UInt64?

        var net: UInt64 { grown > released ? grown - released : 0 }
    }

    /// Totals per stack of process `pid`.
    func sites(pid: Int32, growth: [SiteKey: SiteGrowth], ledger: ProcessLedger?) -> [Int32: SiteTotals] {
        var totals: [Int32: SiteTotals] = [:]
        for (key, g) in growth where key.tgid == pid {
            totals[key.stackID, default: SiteTotals()].grown = g.bytes
            totals[key.stackID, default: SiteTotals()].faults = g.increments
        }
        guard let ledger else { return totals }
        for (stack, bytes) in ledger.released {
            totals[stack, default: SiteTotals()].released = bytes
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
                totals: [Int32: SiteTotals], unownedRelease: UInt64, lost: LostCounts,
                frames: (Int32) -> [Frame]) -> ReportLine {
        let attributed = totals.values.reduce(0) { $0 + $1.net }
        let growth = p.latest - p.baseline
        let ranked = totals.filter { $0.value.net > 0 || $0.value.mappedBytes > 0 }
            .sorted { ($0.value.net, $0.value.mappedBytes, $1.key) > ($1.value.net, $1.value.mappedBytes, $0.key) }
        let sites = ranked.prefix(top).map { stack, t in
            SiteEntry(
                bytes: t.net, grown: t.grown, released: t.released, faults: t.faults,
                mapped: MappedBytes(bytes: t.mappedBytes, count: t.mappedCount,
                                    oldestAgeS: t.oldestMapping.map { Double(nowNs &- $0) / 1e9 }),
                frames: frames(stack))
        }
        let c = p.counters
        return ReportLine(
            time: time, final: final, pid: p.pid, comm: p.comm, elapsedS: elapsed, rss: p.latest,
            growth: growth, attributed: AttributedBytes(anon: attributed),
            explained: growth.anon > 0 ? Double(attributed) / Double(growth.anon) : nil,
            unattributed: Unattributed(
                foreignGrowth: c.foreign_growth, foreignRelease: c.foreign_release,
                unscopedRelease: c.unscoped_release, preexistingRelease: unownedRelease),
            sites: Array(sites), otherSites: max(0, ranked.count - top), lost: lost)
    }
}

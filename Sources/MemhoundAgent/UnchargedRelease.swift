/// Releases the ledger could not charge to a site, and what they mean for the
/// figures: every such byte was counted as grown by some site and is no longer
/// resident, so site figures may be overstated by up to that much, never
/// understated (docs/design.md, "Losses").
struct UnchargedRelease {
    /// Releases whose ring-buffer record was dropped: measured by the kernel, placed nowhere.
    var unseen: UInt64
    /// Seen releases that matched no located page: pre-existing memory, or unlocated growth.
    var unmatched: UInt64
    /// The process's growth that could never be placed (see memhound_stack_growth.unlocated).
    var unlocated: UInt64
    /// The address space began empty under tracing (a `run` target): nothing pre-existed,
    /// so every unmatched release was of unlocated growth.
    var freshAddressSpace: Bool

    /// Unmatched releases that may have been of unlocated growth.
    var unlocatedRelease: UInt64 { freshAddressSpace ? unmatched : min(unmatched, unlocated) }

    /// Bytes of a site's figure that may be gone: its unlocated growth (whose
    /// release, seen or not, could not be charged), and when releases went
    /// unseen, its located pages too (a lost munmap may have been theirs).
    func siteBound(_ t: ReportBuilder.SiteTotals) -> UInt64 {
        let mostOverstated = unseen + unlocatedRelease
        guard mostOverstated > 0 else { return 0 }
        let exposed = min(t.unlocated, mostOverstated) + min(t.located, unseen)
        return min(t.net, mostOverstated, exposed)
    }

    /// How much the sum of site figures may overstate what they hold. Not less
    /// than 0 for certain, even for a fresh address space: threads changing the
    /// counter on two CPUs at once can hide a page's growth in another thread's
    /// release (docs/design.md, "Limits"), and that page's release is then
    /// unmatched without having been counted.
    func overstatement(siteBounds: UInt64) -> UInt64 {
        min(unseen + unlocatedRelease, siteBounds)
    }
}

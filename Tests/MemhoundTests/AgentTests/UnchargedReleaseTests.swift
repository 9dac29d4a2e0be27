@testable import MemhoundAgent
import XCTest

/// Bounds put on site figures when releases could not be charged (lost records, unlocated growth).
final class UnchargedReleaseTests: XCTestCase {
    typealias Totals = ReportBuilder.SiteTotals

    func site(grown: UInt64, released: UInt64 = 0, unlocated: UInt64 = 0, located: UInt64 = 0) -> Totals {
        var t = Totals()
        t.grown = grown
        t.released = released
        t.unlocated = unlocated
        if located > 0 { t.byCategory[.other] = located }
        return t
    }

    func testNothingUnchargedMeansNoSiteIsUncertain() {
        let bounds = UnchargedRelease(unseen: 0, unmatched: 0, unlocated: 4096, freshAddressSpace: true)
        XCTAssertEqual(bounds.siteBound(site(grown: 8192, unlocated: 4096, located: 4096)), 0)
        XCTAssertEqual(bounds.overstatement(siteBounds: 0), 0)
    }

    /// Growth whose run record was lost, then released: the site may hold none of it.
    func testUnlocatedGrowthReleasedBoundsItsSite() {
        let bounds = UnchargedRelease(unseen: 0, unmatched: 1 << 20, unlocated: 1 << 20, freshAddressSpace: true)
        let churn = site(grown: 100 << 20, released: 99 << 20, unlocated: 1 << 20)
        let leak = site(grown: 8 << 20, located: 8 << 20)
        XCTAssertEqual(bounds.siteBound(churn), 1 << 20)
        XCTAssertEqual(bounds.siteBound(leak), 0, "located pages are certain while no release went unseen")
        XCTAssertEqual(bounds.overstatement(siteBounds: 1 << 20), 1 << 20)
    }

    /// A lost munmap may have been any site's located pages: each is uncertain up to the unseen bytes,
    /// and the total overstatement never exceeds what went unseen.
    func testUnseenReleaseBoundsEverySiteWithLocatedPages() {
        let bounds = UnchargedRelease(unseen: 3 << 20, unmatched: 0, unlocated: 0, freshAddressSpace: false)
        let a = site(grown: 8 << 20, located: 8 << 20), b = site(grown: 2 << 20, located: 2 << 20)
        XCTAssertEqual(bounds.siteBound(a), 3 << 20)
        XCTAssertEqual(bounds.siteBound(b), 2 << 20, "never more than the site's own figure")
        XCTAssertEqual(bounds.overstatement(siteBounds: 5 << 20), 3 << 20)
    }

    /// Before tracing (attach), unmatched releases may be pre-existing memory: only as much of them as
    /// there was unlocated growth can be charged against sites.
    func testPreexistingReleaseIsNotChargedAgainstSites() {
        let bounds = UnchargedRelease(unseen: 0, unmatched: 50 << 20, unlocated: 1 << 20, freshAddressSpace: false)
        XCTAssertEqual(bounds.unlocatedRelease, 1 << 20)
        let fresh = UnchargedRelease(unseen: 0, unmatched: 50 << 20, unlocated: 1 << 20, freshAddressSpace: true)
        XCTAssertEqual(fresh.unlocatedRelease, 50 << 20, "nothing pre-exists in a new address space")
    }
}

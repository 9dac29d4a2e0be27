@testable import MemhoundProfiles
import MemhoundOutput
import XCTest

final class FoldedStacksTests: XCTestCase {
    typealias F = ProfileFixtures

    func testOneLinePerSiteRootFirstWithResidentBytes() {
        XCTAssertEqual(FoldedStacks.text([F.main]), """
            main;grow_cache;cache_insert \(48 << 20)
            main;app+0x1250;memset \(1 << 20)
            [stack not captured] 8192

            """)
    }

    func testSeveralProcessesStartAtTheirProcess() {
        let lines = FoldedStacks.text([F.main, F.child]).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "app (4242);main;grow_cache;cache_insert \(48 << 20)")
        XCTAssertEqual(lines[3], "worker (4243);main;grow_cache;cache_insert \(48 << 20)")
    }

    func testSitesHoldingNothingAreLeftOut() {
        let released = F.site(bytes: 0, grown: 4096, faults: 1, frames: F.leakFrames, category: "other")
        XCTAssertEqual(FoldedStacks.text([F.report(pid: 1, comm: "app", sites: [released])]), "")
    }

    func testSeparatorsInNamesCannotSplitAStack() {
        let odd = Frame(address: "0x1", function: "f;g\nh", module: "/bin/app", offset: "0x1")
        let site = F.site(bytes: 4096, grown: 4096, faults: 1, frames: [odd], category: "other")
        XCTAssertEqual(FoldedStacks.text([F.report(pid: 1, comm: "app", sites: [site])]), "f:g h 4096\n")
    }
}

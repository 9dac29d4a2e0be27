// `memhound run` on the Go fixture: frame-pointer stacks through the Go runtime, pclntab symbols.
import Foundation
import XCTest

final class GoTests: XCTestCase {
    /// main.growMmap maps and touches 32 MiB; main.growHeap allocates and touches 32 MiB of []byte.
    func testRunAttributesGoMmapAndHeapGrowth() throws {
        try requirePrivileges()
        let goleak = try fixture(.goleak)
        let outcome = try Memhound.run(["run", "--interval", "1", "--top", "50", "--",
                                        goleak, "-mmap-mib", "32", "-heap-mib", "32"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.malformedLines.isEmpty, "malformed lines: \(outcome.malformedLines)")
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), "no final report for \(pid)\n\(outcome.summary)")

        let mmapSite = largestSite(report, containing: "main.growMmap")
        XCTAssertTrue(near(number(mmapSite?["bytes"]), 32 * mib, within: 0.10),
                      "main.growMmap should hold 32 MiB:\n\(describe(report))")

        // The Go heap may be reached through several runtime stacks; all of them pass through main.growHeap.
        let heapBytes = sites(report, containing: "main.growHeap").reduce(0.0) { $0 + (number($1["bytes"]) ?? 0) }
        XCTAssertTrue(near(heapBytes, 32 * mib, within: 0.10),
                      "main.growHeap sites should hold 32 MiB (got \(heapBytes)):\n\(describe(report))")

        let explained = number(report["explained"])
        XCTAssertTrue(near(explained, 1.0, within: 0.10), "explained \(String(describing: explained)):\n\(describe(report))")
        XCTAssertEqual(int32(outcome.exitLine(pid: pid)?["exit_code"]), 0, outcome.summary)
    }
}

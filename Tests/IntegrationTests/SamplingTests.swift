// `--sample-every N`: one ANON increment in N is attributed and counted N times; estimates stay unbiased.
import Foundation
import XCTest

final class SamplingTests: XCTestCase {
    /// The C fixture's known growth (48 MiB kept in grow_cache, 96 MiB churned) traced with 1 in 8.
    func testSampledReportsEstimateTheKnownGrowth() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let outcome = try Memhound.run(["run", "--interval", "1", "--top", "200", "--sample-every", "8", "--",
                                        leaker, "--steps", "12", "--step-mib", "4", "--churn-mib", "8"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), "no final report\n\(outcome.summary)")
        XCTAssertEqual(number(report["sample_every"]), 8, "reports must say they are sampled")
        let start = try XCTUnwrap(outcome.lines(ofType: "start").first)
        XCTAssertEqual(number((start["options"] as? JSONLine)?["sample_every"]), 8)

        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 48 * mib, within: 0.10),
                      "grow_cache should be estimated at 48 MiB:\n\(describe(report))")
        let churn = largestSite(report, containing: "churn_buffer", by: "grown")
        let churnGrown = number(churn?["grown"]) ?? 0
        XCTAssertTrue(near(churnGrown, 96 * mib, within: 0.10), "churn grown estimate:\n\(describe(report))")
        XCTAssertLessThan(number(churn?["bytes"]) ?? .infinity, churnGrown * 0.05, describe(report))
        XCTAssertTrue(near(number(report["explained"]), 1.0, within: 0.10), describe(report))
    }

    func testSampleEveryZeroIsAUsageError() throws {
        let outcome = try Memhound.run(["run", "--sample-every", "0", "--", "/bin/true"])
        XCTAssertEqual(outcome.status, 64, outcome.summary)
    }
}

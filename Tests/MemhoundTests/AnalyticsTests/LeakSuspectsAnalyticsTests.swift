import MemhoundAnalytics
import XCTest

final class LeakSuspectsAnalyticsTests: XCTestCase {
    let estimator = TrendEstimator()

    func trend(seed: UInt64, sigma: Double = 0.5 * mib, _ value: (Double) -> Double) -> Trend {
        estimator.estimate(series(duration: 4 * 3_600, sigma: sigma, seed: seed, layout: .compact, value))!
    }

    func testTheOneSiteRisingWhileTheOthersAreFlatIsTheSuspect() throws {
        let sites: [String: Trend] = [
            "leak": trend(seed: 1) { t in 10 * mib + 20 * mib * t / 3_600 },
            "pool": trend(seed: 2) { _ in 64 * mib },
            "buffers": trend(seed: 3) { t in sawtooth(at: t, base: 8 * mib, amplitude: 16 * mib, period: 127) },
            "arena": trend(seed: 4) { _ in 200 * mib },
        ]
        let suspects = LeakSuspects().find(in: sites)
        XCTAssertEqual(suspects.map(\.site), ["leak"])
        let leak = try XCTUnwrap(suspects.first)
        XCTAssertEqual(leak.ratePerHour / mib, 20, accuracy: 1)
        XCTAssertGreaterThanOrEqual(leak.risingForS, 3 * 3_600)
    }

    func testSuspectsAreRankedByRate() {
        let sites: [String: Trend] = [
            "slow": trend(seed: 5) { t in 10 * mib + 5 * mib * t / 3_600 },
            "fast": trend(seed: 6) { t in 10 * mib + 40 * mib * t / 3_600 },
            "flat": trend(seed: 7) { _ in 64 * mib },
        ]
        XCTAssertEqual(LeakSuspects().find(in: sites).map(\.site), ["fast", "slow"])
    }

    func testNoSuspectWhileAnotherSiteGrowsAsMuch() {
        // The cache filled 60 MiB in the last half hour: the process grows for another reason now.
        let sites: [String: Trend] = [
            "steady": trend(seed: 8) { t in 10 * mib + 10 * mib * t / 3_600 },
            "cache": trend(seed: 9) { t in 100 * mib + max(0, t - 3.5 * 3_600) * 120 * mib / 3_600 },
        ]
        XCTAssertTrue(sites["steady"]!.rising)
        XCTAssertFalse(sites["cache"]!.rising, "half an hour of filling is not a steady rise")
        XCTAssertEqual(LeakSuspects().find(in: sites).map(\.site), [])
    }

    func testTheTrendFindingHoldsForSuspectsOrARisingSubject() {
        let flat = trend(seed: 10) { _ in 300 * mib }
        let rising = trend(seed: 11) { t in 300 * mib + 30 * mib * t / 3_600 }
        let finder = LeakSuspects()
        XCTAssertNil(finder.finding(subject: flat, sites: ["a": flat]).severity)
        XCTAssertEqual(finder.finding(subject: flat, sites: ["a": rising]).severity, .warning)
        XCTAssertEqual(finder.finding(subject: rising, sites: [String: Trend]()).severity, .warning)
    }

    func testFastestGrowingSites() {
        let sites: [String: Trend] = [
            "a": trend(seed: 12) { t in 10 * mib + 5 * mib * t / 3_600 },
            "b": trend(seed: 13) { t in 10 * mib + 50 * mib * t / 3_600 },
            "c": trend(seed: 14) { _ in 64 * mib },
        ]
        let top = LeakSuspects().fastestGrowing(sites, limit: 1)
        XCTAssertEqual(top.map(\.site), ["b"])
        XCTAssertEqual(top[0].ratePerHour / mib, 50, accuracy: 2.5)
    }
}

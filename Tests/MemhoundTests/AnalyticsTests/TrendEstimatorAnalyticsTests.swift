import MemhoundAnalytics
import XCTest

final class TrendEstimatorAnalyticsTests: XCTestCase {
    let estimator = TrendEstimator()

    /// Runs a series interval by interval through the trend alert's condition and tracker.
    func trendEvents(duration: Double, sigma: Double = 0, _ value: @escaping (Double) -> Double) -> [AlertEvent] {
        var s = SampleSeries()
        var tracker = AlertTracker()
        var rng = SeededGenerator(seed: 7)
        var events: [AlertEvent] = []
        let key = AlertKey(.trend, .process(pid: 1))
        for t in stride(from: 0.0, through: duration, by: 10) {
            s.append(time: t, value: value(t) + rng.gaussian(sigma: sigma))
            let trend = estimator.estimate(s)!
            let finding = LeakSuspects().finding(subject: trend, sites: [String: Trend]())
            if let e = tracker.update(key, severity: finding.severity, at: t) { events.append(e) }
        }
        return events
    }

    func testLinearGrowthRateWithinFivePercent() throws {
        let s = series(duration: 3 * 3_600, sigma: 0.2 * mib, seed: 3) { t in 500 * mib + 100 * mib * t / 3_600 }
        let trend = try XCTUnwrap(estimator.estimate(s))
        XCTAssertEqual(trend.windows.map(\.durationS), [300, 3_600], "24 h is not covered by 3 h")
        for w in trend.windows {
            XCTAssertEqual(w.ratePerHour / mib, 100, accuracy: 5, "window \(w.durationS)")
            XCTAssertGreaterThan(w.steadiness, 0.8)
        }
        XCTAssertTrue(trend.rising)
        XCTAssertEqual(trend.risingForS, 3 * 3_600, accuracy: 1)
        XCTAssertEqual(try XCTUnwrap(trend.risingRatePerHour) / mib, 100, accuracy: 5)
    }

    func testFlatGoSawtoothHasNoTrend() throws {
        // Heap from 100 MiB to 2x and back every ~2 minutes, 6 hours at 10 s.
        let value = { (t: Double) in sawtooth(at: t, base: 100 * mib, amplitude: 100 * mib, period: 127) }
        let s = series(duration: 6 * 3_600, sigma: 1 * mib, seed: 5, value)
        let trend = try XCTUnwrap(estimator.estimate(s))
        // A 10 s sample lands up to 8 MiB above a trough, so an hour's 12 troughs jitter by a few MiB.
        let hour = try XCTUnwrap(trend.window(3_600))
        XCTAssertEqual(hour.ratePerHour / mib, 0, accuracy: 5, "rate ≈ 0 (MiB/h), against a 100 MiB sawtooth")
        XCTAssertFalse(trend.rising)
        XCTAssertEqual(trend.risingForS, 0)
        XCTAssertEqual(trendEvents(duration: 6 * 3_600, sigma: 1 * mib, value), [], "no trend alert at any interval")

        let day = try XCTUnwrap(estimator.estimate(series(duration: 26 * 3_600, sigma: 1 * mib, seed: 6, value)))
        XCTAssertEqual(try XCTUnwrap(day.window(86_400)).ratePerHour / mib, 0, accuracy: 0.5)
        XCTAssertFalse(day.rising)
    }

    func testRisingSawtoothAlertsWithRateWithinFifteenPercent() throws {
        // 10 MiB/h under a 50 MiB sawtooth.
        let value = { (t: Double) in
            sawtooth(at: t, base: 200 * mib, amplitude: 50 * mib, period: 127, trendPerHour: 10 * mib)
        }
        let s = series(duration: 6 * 3_600, sigma: 0.25 * mib, seed: 9, value)
        let trend = try XCTUnwrap(estimator.estimate(s))
        XCTAssertTrue(trend.rising)
        XCTAssertEqual(try XCTUnwrap(trend.risingRatePerHour) / mib, 10, accuracy: 1.5)
        XCTAssertEqual(try XCTUnwrap(trend.window(3_600)).ratePerHour / mib, 10, accuracy: 1.5)
        XCTAssertGreaterThanOrEqual(trend.risingForS, 4 * 3_600, "rising for most of the 6 hours")

        let events = trendEvents(duration: 6 * 3_600, sigma: 0.25 * mib, value)
        XCTAssertEqual(events.map(\.change), [.fired(.warning)], "one alert, not one per interval")
        XCTAssertLessThanOrEqual(try XCTUnwrap(events.first).time, 2 * 3_600)
    }

    func testRisingForCountsFromWhenTheGrowthBegan() throws {
        // Flat for 5 hours, then 20 MiB/h for 3 hours.
        let s = series(duration: 8 * 3_600, sigma: 0.5 * mib, seed: 11) { t in
            300 * mib + max(0, t - 5 * 3_600) * 20 * mib / 3_600
        }
        let trend = try XCTUnwrap(estimator.estimate(s))
        XCTAssertTrue(trend.rising)
        XCTAssertGreaterThanOrEqual(trend.risingForS, 3 * 3_600 / 1.5)
        XCTAssertLessThanOrEqual(trend.risingForS, 3 * 3_600 * 1.5, "the flat 5 hours before do not count")
    }

    func testARiseThatStoppedIsNoLongerRising() throws {
        // 20 MiB/h for 6 hours, then flat for 3.
        let s = series(duration: 9 * 3_600, sigma: 0.5 * mib, seed: 12) { t in
            300 * mib + min(t, 6 * 3_600) * 20 * mib / 3_600
        }
        let trend = try XCTUnwrap(estimator.estimate(s))
        XCTAssertFalse(trend.rising)
        XCTAssertEqual(try XCTUnwrap(trend.window(3_600)).ratePerHour / mib, 0, accuracy: 1)
    }

    func testADayLongLeakIsSeenInEveryWindow() throws {
        let s = series(duration: 26 * 3_600, interval: 10, sigma: 1 * mib, seed: 13) { t in 1_000 * mib + 5 * mib * t / 3_600 }
        let trend = try XCTUnwrap(estimator.estimate(s))
        XCTAssertEqual(trend.windows.map(\.durationS), [300, 3_600, 86_400])
        XCTAssertEqual(try XCTUnwrap(trend.window(86_400)).ratePerHour / mib, 5, accuracy: 0.25)
        XCTAssertTrue(trend.rising)
        XCTAssertGreaterThanOrEqual(trend.risingForS, 20 * 3_600)
    }
}

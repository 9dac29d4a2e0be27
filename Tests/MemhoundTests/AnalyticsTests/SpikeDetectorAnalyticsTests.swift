import MemhoundAnalytics
import XCTest

final class SpikeDetectorAnalyticsTests: XCTestCase {
    let detector = SpikeDetector()

    /// Evaluates the detector at every 10 s sample of `value(t)`; returns the times it flagged.
    func spikeTimes(duration: Double, sigma: Double = 2 * mib, _ value: (Double) -> Double) -> [Double] {
        var s = SampleSeries()
        var rng = SeededGenerator(seed: 21)
        var times: [Double] = []
        for t in stride(from: 0.0, through: duration, by: 10) {
            s.append(time: t, value: value(t) + rng.gaussian(sigma: sigma))
            if let spike = detector.evaluate(s) { times.append(spike.time) }
        }
        return times
    }

    func testAStepUpIsFlaggedAtTheIntervalItHappens() {
        let times = spikeTimes(duration: 1_800) { t in 500 * mib + (t >= 1_200 ? 200 * mib : 0) }
        XCTAssertEqual(times, [1_200])
    }

    func testADropIsNeverASpike() {
        let times = spikeTimes(duration: 1_800) { t in 700 * mib - (t >= 1_200 ? 200 * mib : 0) }
        XCTAssertEqual(times, [])
    }

    func testNoSpikeDuringWarmUp() {
        let times = spikeTimes(duration: 1_800) { t in 500 * mib + (t >= 120 ? 200 * mib : 0) }
        XCTAssertEqual(times, [], "the jump at 120 s is within the 300 s warm-up")
    }

    func testSmallJumpsAreNoise() {
        // 8 MiB is far outside the noise (z ≫ 6) but under the 16 MiB floor.
        let times = spikeTimes(duration: 1_800, sigma: 0.1 * mib) { t in 500 * mib + (t >= 1_200 ? 8 * mib : 0) }
        XCTAssertEqual(times, [])
    }

    func testGoSawtoothNeverSpikes() {
        let times = spikeTimes(duration: 4 * 3_600, sigma: 1 * mib) { t in
            sawtooth(at: t, base: 100 * mib, amplitude: 100 * mib, period: 127)
        }
        XCTAssertEqual(times, [])
    }

    func testSteadyFastGrowthIsNotASpike() {
        // 30 MiB every interval is the baseline, not a surprise.
        let times = spikeTimes(duration: 1_800) { t in 100 * mib + 3 * mib * t }
        XCTAssertEqual(times, [])
    }

    func testAlertFiresOnceAndResolvesAndNamesTheSitesThatGrew() throws {
        var rss = SampleSeries()
        var sites: [String: SampleSeries] = ["cache": SampleSeries(layout: .compact), "idle": SampleSeries(layout: .compact)]
        var tracker = AlertTracker()
        var changes: [AlertEvent.Change] = []
        var named: [String] = []
        for t in stride(from: 0.0, through: 1_800, by: 10) {
            let jump = t >= 1_200 ? 200 * mib : 0
            rss.append(time: t, value: 500 * mib + jump)
            sites["cache"]!.append(time: t, value: 50 * mib + jump)
            sites["idle"]!.append(time: t, value: 20 * mib)
            let spike = detector.evaluate(rss)
            if spike != nil { named = detector.grownSites(sites, at: t, limit: 5).map(\.site) }
            if let e = tracker.update(AlertKey(.spike, .process(pid: 7)), severity: spike.map { _ in .warning }, at: t) {
                changes.append(e.change)
            }
        }
        XCTAssertEqual(changes, [.fired(.warning), .resolved(.warning)])
        XCTAssertEqual(named, ["cache"])
    }
}

import MemhoundAnalytics
import XCTest

final class SampleSeriesAnalyticsTests: XCTestCase {
    func testADayAtOneSecondStaysWithinTheStatedBound() {
        let s = series(duration: 86_400, interval: 1) { $0 }
        XCTAssertEqual(SeriesLayout.standard.maxPoints, 2_041)
        XCTAssertLessThanOrEqual(s.count, SeriesLayout.standard.maxPoints)
        XCTAssertEqual(s.oldest?.time ?? .nan, 0, accuracy: 60, "a day is kept")
        XCTAssertEqual(s.latest, Sample(time: 86_400, value: 86_400))
    }

    func testCompactLayoutStaysWithinItsBound() {
        let s = series(duration: 2 * 86_400, interval: 1, layout: .compact) { $0 }
        XCTAssertEqual(SeriesLayout.compact.maxPoints, 353)
        XCTAssertLessThanOrEqual(s.count, 353)
        XCTAssertEqual(s.oldest?.time ?? .nan, 86_400, accuracy: 300, "older than a day is dropped")
    }

    func testOlderSamplesBecomePerMinuteTroughsWithTheirOwnTimes() {
        // A 30 s sawtooth: each minute's trough is the value at its start.
        let s = series(duration: 3_600, interval: 1) { t in t.truncatingRemainder(dividingBy: 30) }
        let old = s.points(from: 0).filter { $0.time < 2_900 }
        XCTAssertFalse(old.isEmpty)
        for p in old {
            XCTAssertEqual(p.value, 0, "a bucket keeps its minimum")
            XCTAssertEqual(p.time.truncatingRemainder(dividingBy: 60), 0, "at the time it was seen")
        }
        XCTAssertEqual(s.points(from: 3_001).count, 600, "the last 10 minutes at full resolution")
    }

    func testFewRecentSamplesAreKeptWhateverTheirAge() {
        let s = series(duration: 3_600 * 3, interval: 300) { $0 }
        XCTAssertEqual(s.count, 37, "at 5-minute samples everything stays at full resolution")
        XCTAssertEqual(s.last(2).map(\.time), [10_500, 10_800])
    }

    func testLookupsAndOrdering() {
        var s = SampleSeries()
        for t in stride(from: 0.0, through: 100, by: 10) { s.append(time: t, value: t * 2) }
        s.append(time: 50, value: 0)
        s.append(time: 110, value: .nan)
        XCTAssertEqual(s.count, 11, "late and non-finite samples are ignored")
        XCTAssertEqual(s.point(atOrBefore: 35), Sample(time: 30, value: 60))
        XCTAssertEqual(s.point(atOrBefore: 40), Sample(time: 40, value: 80))
        XCTAssertNil(s.point(atOrBefore: -1))
        XCTAssertEqual(s.bucketMinima(from: 0, to: 100, buckets: 5).map(\.time), [0, 20, 40, 60, 80])
        s.removeAll()
        XCTAssertTrue(s.isEmpty)
        XCTAssertNil(s.startTime)
    }
}

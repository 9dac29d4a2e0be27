import MemhoundAnalytics
import XCTest

final class AlertTrackerAnalyticsTests: XCTestCase {
    let key = AlertKey(.oomForecast, .cgroup(path: "/app"))

    func tracker(holdFor: Int = 2, clearFor: Int = 3, cooldownS: Double = 100) -> AlertTracker {
        var t = AlertThresholds()
        t.oomPolicy = AlertPolicy(holdFor: holdFor, clearFor: clearFor, cooldownS: cooldownS)
        return AlertTracker(thresholds: t)
    }

    /// Feeds one severity per 10 s evaluation from `start`; returns the events with their times.
    func run(_ tracker: inout AlertTracker, _ severities: [AlertSeverity?], start: Double = 0) -> [(Double, AlertEvent.Change)] {
        severities.enumerated().compactMap { i, s in
            let time = start + Double(i) * 10
            return tracker.update(key, severity: s, at: time).map { (time, $0.change) }
        }
    }

    func testFiresAfterHoldingAndOnlyOnceWhileItHolds() {
        var t = tracker()
        let events = run(&t, [.warning, nil, .warning, .warning, .warning, .warning, .warning])
        XCTAssertEqual(events.map(\.0), [30], "one evaluation is not enough; two in a row are")
        XCTAssertEqual(events.map(\.1), [.fired(.warning)])
        XCTAssertEqual(t.activeSeverity(of: key), .warning)
    }

    func testResolvesAfterClearingAndCarriesTheDuration() {
        var t = tracker()
        _ = run(&t, [.warning, .warning])
        XCTAssertNil(t.update(key, severity: nil, at: 20))
        XCTAssertNil(t.update(key, severity: .warning, at: 30), "a single good evaluation does not clear")
        XCTAssertNil(t.update(key, severity: nil, at: 40))
        XCTAssertNil(t.update(key, severity: nil, at: 50))
        let resolved = t.update(key, severity: nil, at: 60)
        XCTAssertEqual(resolved, AlertEvent(key: key, change: .resolved(.warning), time: 60, since: 10))
        XCTAssertNil(t.activeSeverity(of: key))
    }

    func testCooldownHoldsBackAReturnAtTheSameSeverity() {
        var t = tracker(cooldownS: 100)
        var events = run(&t, [.warning, .warning, nil, nil, nil])       // fired 10, resolved 40
        events += run(&t, Array(repeating: .warning, count: 12), start: 50)
        XCTAssertEqual(events.map(\.0), [10, 40, 140], "fires again only 100 s after resolving")
        XCTAssertEqual(events.map(\.1), [.fired(.warning), .resolved(.warning), .fired(.warning)])
    }

    func testAWorseReturnIsNotHeldBackByTheCooldown() {
        var t = tracker(cooldownS: 1_000)
        var events = run(&t, [.warning, .warning, nil, nil, nil])
        events += run(&t, [.critical, .critical], start: 50)
        XCTAssertEqual(events.map(\.1), [.fired(.warning), .resolved(.warning), .fired(.critical)])
    }

    func testEscalatesOnceAndDoesNotAnnounceDowngrades() {
        var t = tracker()
        let events = run(&t, [.warning, .warning, .critical, .warning, .critical, .critical, .warning, .critical, .critical])
        XCTAssertEqual(events.map(\.1), [.fired(.warning), .escalated(from: .warning, to: .critical)])
        XCTAssertEqual(events.map(\.0), [10, 50], "escalation holds too")
        XCTAssertEqual(t.activeSeverity(of: key), .critical)
    }

    func testEndResolvesAndForgets() {
        var t = tracker()
        _ = run(&t, [.critical, .critical])
        XCTAssertEqual(t.end(key, at: 30)?.change, .resolved(.critical))
        XCTAssertTrue(t.activeKeys.isEmpty)
        XCTAssertNil(t.end(key, at: 40))
        XCTAssertNil(t.update(key, severity: .warning, at: 50), "a new subject holds afresh")
        XCTAssertEqual(t.update(key, severity: .warning, at: 60)?.change, .fired(.warning))
    }

    func testKeysAreIndependent() {
        var t = tracker(holdFor: 1)
        let other = AlertKey(.oomForecast, .cgroup(path: "/other"))
        XCTAssertEqual(t.update(key, severity: .warning, at: 0)?.change, .fired(.warning))
        XCTAssertEqual(t.update(other, severity: .critical, at: 0)?.change, .fired(.critical))
        XCTAssertEqual(Set(t.activeKeys), [key, other])
    }
}

import MemhoundAnalytics
import XCTest

final class GCPressureAnalyticsTests: XCTestCase {
    let limit: UInt64 = 1 << 30

    /// Runs 10 s readings; `perMinute(t)` is the GC frequency and `fraction(t)` memory / limit.
    func run(duration: Double, limit: UInt64?, perMinute: (Double) -> Double, fraction: (Double) -> Double)
        -> (readings: [GCPressureReading], events: [AlertEvent.Change]) {
        var gc = GCPressure()
        var tracker = AlertTracker()
        var cycles = 0.0
        var readings: [GCPressureReading] = []
        var events: [AlertEvent.Change] = []
        for t in stride(from: 0.0, through: duration, by: 10) {
            cycles += perMinute(t) / 6
            let r = gc.update(time: t, gcCycles: UInt64(cycles), memoryBytes: UInt64(fraction(t) * Double(self.limit)),
                              limitBytes: limit)
            readings.append(r)
            if let e = tracker.update(AlertKey(.gcPressure, .process(pid: 3)), severity: r.severity, at: t) { events.append(e.change) }
        }
        return (readings, events)
    }

    func testClimbingGCNearTheLimitFires() throws {
        // 2 GC/min at half the limit for an hour; then at 95 % the GC climbs to 12/min.
        let r = run(duration: 5_400, limit: limit, perMinute: { $0 < 3_600 ? 2 : 2 + min(10, ($0 - 3_600) / 60) },
                    fraction: { $0 < 3_600 ? 0.5 : 0.95 })
        XCTAssertEqual(r.events, [.fired(.warning)])
        let last = try XCTUnwrap(r.readings.last)
        XCTAssertTrue(last.holds, "still holding 30 minutes in: the baseline is the calm one")
        XCTAssertEqual(try XCTUnwrap(last.baselinePerMinute), 2, accuracy: 0.2)
        XCTAssertEqual(try XCTUnwrap(last.gcPerMinute), 12, accuracy: 0.5)
    }

    func testSteadyGCNearTheLimitDoesNotFire() {
        let r = run(duration: 5_400, limit: limit, perMinute: { _ in 6 }, fraction: { $0 < 3_600 ? 0.5 : 0.95 })
        XCTAssertEqual(r.events, [])
        XCTAssertFalse(r.readings.contains { $0.holds })
    }

    func testNearTheLimitAllAlongComparesWithTheEarlierFrequency() {
        let steady = run(duration: 5_400, limit: limit, perMinute: { _ in 6 }, fraction: { _ in 0.95 })
        XCTAssertEqual(steady.events, [])
        let climbing = run(duration: 5_400, limit: limit, perMinute: { $0 < 3_600 ? 3 : 15 }, fraction: { _ in 0.95 })
        XCTAssertEqual(climbing.events, [.fired(.warning)])
    }

    func testClimbingGCFarFromTheLimitOrWithoutOneDoesNotFire() {
        let far = run(duration: 5_400, limit: limit, perMinute: { $0 < 3_600 ? 2 : 12 }, fraction: { _ in 0.6 })
        XCTAssertEqual(far.events, [])
        let unknown = run(duration: 5_400, limit: nil, perMinute: { $0 < 3_600 ? 2 : 12 }, fraction: { _ in 0.95 })
        XCTAssertEqual(unknown.events, [])
    }

    func testACounterGoingBackwardsStartsOver() {
        var gc = GCPressure()
        for t in stride(from: 0.0, through: 600, by: 10) {
            _ = gc.update(time: t, gcCycles: UInt64(t), memoryBytes: 1, limitBytes: limit)
        }
        let r = gc.update(time: 610, gcCycles: 3, memoryBytes: 1, limitBytes: limit)
        XCTAssertEqual(gc.cycles.count, 1)
        XCTAssertNil(r.gcPerMinute)
    }
}

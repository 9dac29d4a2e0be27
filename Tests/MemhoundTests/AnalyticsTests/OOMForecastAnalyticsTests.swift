import MemhoundAnalytics
import XCTest

final class OOMForecastAnalyticsTests: XCTestCase {
    let gib = 1_073_741_824.0
    let rate = 600 * mib  // per hour

    /// 1 GiB growing by 600 MiB/h, read every 10 s.
    func level(_ t: Double) -> Double { gib + rate * t / 3_600 }

    func reading(_ t: Double, hard: Double? = 4 * 1_073_741_824, soft: Double? = nil, available: Double? = nil,
                 events: MemoryEventCounts? = nil, psi: Double? = nil, value: Double? = nil) -> MemoryReading {
        MemoryReading(time: t, unreclaimableBytes: UInt64(value ?? level(t)), usageBytes: UInt64((value ?? level(t)) * 1.2),
                      hardLimitBytes: hard.map { UInt64($0) }, softLimitBytes: soft.map { UInt64($0) },
                      hostAvailableBytes: available.map { UInt64($0) }, events: events, pressureSomeAvg10: psi)
    }

    func testETAWithinTenPercentAndTiersSwitchAtTheirETAs() throws {
        var forecast = OOMForecast()
        var switches: [(time: Double, severity: AlertSeverity?)] = []
        var last: AlertSeverity?? = .none
        for t in stride(from: 0.0, through: 5.2 * 3_600, by: 10) {
            let a = forecast.update(reading(t))
            let trueETA = (4 * gib - level(t)) / rate * 3_600
            if t >= 600, trueETA > 0 {
                let eta = try XCTUnwrap(a.hard?.etaS, "at \(t)")
                XCTAssertEqual(eta, trueETA, accuracy: 0.1 * trueETA, "at \(t)")
            }
            if last != .some(a.severity) { switches.append((t, a.severity)); last = a.severity }
        }
        XCTAssertEqual(switches.map(\.severity), [nil, .warning, .critical])
        // Warning when 3,600 s away, critical when 600 s away (within one 10 s interval).
        let warnAt = (4 * gib - 3_600 * rate / 3_600 - gib) / rate * 3_600
        let criticalAt = (4 * gib - 600 * rate / 3_600 - gib) / rate * 3_600
        XCTAssertEqual(switches[1].time, warnAt, accuracy: 0.1 * 3_600)
        XCTAssertEqual(switches[2].time, criticalAt, accuracy: 0.1 * 600)
    }

    func testTheAssessmentCarriesTheFigures() throws {
        var forecast = OOMForecast()
        var a: OOMAssessment?
        for t in stride(from: 0.0, through: 3_600, by: 10) { a = forecast.update(reading(t, soft: 2 * gib)) }
        let last = try XCTUnwrap(a)
        XCTAssertEqual(last.hard?.limitBytes, 4 * gib)
        XCTAssertEqual(last.soft?.kind, .soft)
        XCTAssertEqual(try XCTUnwrap(last.rateBytesPerHour) / mib, 600, accuracy: 30)
        XCTAssertEqual(last.unreclaimableBytes, level(3_600).rounded(.down))
        XCTAssertEqual(last.usageBytes, UInt64(level(3_600) * 1.2))
        XCTAssertEqual(last.severity, .warning)
        XCTAssertEqual(last.reasons, [.softLimitWithin], "2 GiB is 2,400 s away at 1.6 GiB")
        XCTAssertEqual(try XCTUnwrap(last.etaS), try XCTUnwrap(last.soft?.etaS))
    }

    func testLimitEventsOrPressureWhileGrowingAreCritical() {
        var forecast = OOMForecast()
        var events = MemoryEventCounts()
        var a: OOMAssessment?
        for t in stride(from: 0.0, through: 900, by: 10) { a = forecast.update(reading(t, events: events)) }
        XCTAssertNil(a?.severity, "the limit is hours away")
        events.high += 3
        a = forecast.update(reading(910, events: events))
        XCTAssertEqual(a?.severity, .critical)
        XCTAssertEqual(a?.reasons, [.memoryEvents])
        XCTAssertEqual(a?.events, MemoryEventCounts(high: 3))
        a = forecast.update(reading(920, events: events, psi: 25))
        XCTAssertEqual(a?.reasons, [.pressure], "no new events, but the pressure is high")
    }

    func testFlatMemoryHasNoETAAndEventsAloneAreNotCritical() {
        var forecast = OOMForecast()
        var a: OOMAssessment?
        for t in stride(from: 0.0, through: 1_800, by: 10) {
            a = forecast.update(reading(t, soft: 3 * gib, events: MemoryEventCounts(high: UInt64(t)), value: 2 * gib))
        }
        XCTAssertNil(a?.hard?.etaS)
        XCTAssertNil(a?.severity)
        a = forecast.update(reading(1_810, soft: 1.5 * gib, value: 2 * gib))
        XCTAssertEqual(a?.soft?.etaS, 0, "over memory.high already")
        XCTAssertEqual(a?.severity, .warning)
    }

    func testWithoutALimitTheHostsAvailableMemoryIsTheHeadroom() throws {
        var forecast = OOMForecast()
        var a: OOMAssessment?
        for t in stride(from: 0.0, through: 1_800, by: 10) { a = forecast.update(reading(t, hard: nil, available: gib)) }
        let hard = try XCTUnwrap(a?.hard)
        XCTAssertEqual(hard.kind, .hostAvailable)
        let expected: Double = 3_600 * 1_024 / 600  // 1 GiB at 600 MiB/h
        XCTAssertEqual(try XCTUnwrap(hard.etaS), expected, accuracy: 0.1 * expected)
        XCTAssertEqual(a?.severity, nil, "1.7 h away")
    }

    func testAFlatSawtoothUnderTheLimitIsNoForecast() {
        // Peaks at 80 % of the limit every ~2 minutes, never higher.
        var forecast = OOMForecast()
        var severities: Set<AlertSeverity> = []
        for t in stride(from: 0.0, through: 4 * 3_600, by: 10) {
            let value = sawtooth(at: t, base: 400 * mib, amplitude: 420 * mib, period: 127)
            if let s = forecast.update(reading(t, hard: gib, value: value)).severity { severities.insert(s) }
        }
        XCTAssertEqual(severities, [], "the short window's sawtooth slope is not a growth rate")
    }

    func testV1UnlimitedIsNoLimit() {
        var forecast = OOMForecast()
        let a = forecast.update(MemoryReading(time: 0, unreclaimableBytes: 1 << 30, hardLimitBytes: 9_223_372_036_854_771_712))
        XCTAssertNil(a.hard)
    }
}

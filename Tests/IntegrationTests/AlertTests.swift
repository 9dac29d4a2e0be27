// Alerts on real programs: time to OOM before the kill, a steady leak named, a GC sawtooth left
// alone, a spike, and a Go GC working ever harder near its memory limit.
import Foundation
import XCTest

final class AlertTests: XCTestCase {
    func alerts(_ outcome: Outcome, kind: String, pid: Int32? = nil) -> [JSONLine] {
        outcome.lines(ofType: "alert").filter { $0["kind"] as? String == kind && (pid == nil || int32($0["pid"]) == pid) }
    }

    func epochSeconds(_ time: Any?) -> Double? {
        guard let text = time as? String else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)?.timeIntervalSince1970
    }

    /// A program growing steadily in a 100 MiB cgroup until the kernel kills it: oom_forecast fires
    /// well before the kill, names the growing function, with an ETA within 25% of the time left.
    func testOOMForecastComesBeforeTheKillWithATrueETA() throws {
        try requirePrivileges()
        let cgroup = try makeCgroup(limit: 100 * 1024 * 1024)
        let watch = try startWatch(["--cgroup", cgroup.dir, "--alert-timescale", "0.1"])
        defer { watch.signal(SIGKILL) }
        let victim = try startIn(cgroup.dir, try fixture(.leaker), ["--steps", "200", "--step-mib", "1", "--step-ms", "700"])
        XCTAssertEqual(victim.finish(timeout: 150).status, 9, "the kernel kills it")
        sleep(2)
        watch.signal(SIGTERM)
        let outcome = watch.finish(timeout: 60)
        try assertMatchesSchema(outcome)
        let kill = try XCTUnwrap(outcome.lines(ofType: "oom_kill").first, outcome.summary)
        let alert = try XCTUnwrap(alerts(outcome, kind: "oom_forecast").first { $0["state"] as? String == "firing" }, outcome.summary)
        XCTAssertEqual(alert["cgroup"] as? String, cgroup.path)
        XCTAssertEqual(alert["limit_kind"] as? String, "hard")
        XCTAssertEqual(number(alert["limit"]), 100 * mib)
        XCTAssertTrue(functions((alert["sites"] as? [JSONLine])?.first ?? [:]).contains("grow_cache"), "\(alert)")
        let left = try XCTUnwrap(epochSeconds(kill["time"])) - XCTUnwrap(epochSeconds(alert["time"]))
        let eta = try XCTUnwrap(number(alert["eta_s"]), "\(alert)")
        XCTAssertGreaterThan(left, 20, "well before the kill: \(alert)")
        XCTAssertTrue(near(eta, left, within: 0.25), "ETA \(eta) s against \(left) s actually left: \(alert)")
        XCTAssertTrue(outcome.stderr.contains("memhound: alert oom_forecast"), outcome.stderr)
    }

    /// Four programs in one watched cgroup for two minutes, at a time scale of 0.02 (two minutes
    /// stand for the 100 minutes the default methods look at): a steady leak gets a trend alert
    /// naming it; a Go program whose heap rises and falls with its GC, with no leak, gets none; a
    /// sudden growth gets a spike alert naming the site that grew; a Go program driven towards its
    /// GOMEMLIMIT gets gc_pressure.
    func testAlertsOnRealPrograms() throws {
        try requirePrivileges()
        let cgroup = try makeCgroup()
        let watch = try startWatch(["--cgroup", cgroup.dir, "--alert-timescale", "0.02"])
        defer { watch.signal(SIGKILL) }
        let leak = try startIn(cgroup.dir, try fixture(.leaker), ["--steps", "120", "--step-mib", "1", "--step-ms", "1000", "--then", "sleep"])
        defer { leak.signal(SIGKILL) }
        let sawtooth = try startIn(cgroup.dir, try fixture(.gcload), ["-seconds", "115", "-garbage-mib-per-s", "32"])
        defer { sawtooth.signal(SIGKILL) }
        let spiker = try startIn(cgroup.dir, try fixture(.leaker), ["--delay-ms", "60000", "--steps", "1", "--step-mib", "96", "--then", "sleep"])
        defer { spiker.signal(SIGKILL) }
        let pressed = try startIn(cgroup.dir, "/usr/bin/env", ["GOMEMLIMIT=80MiB", try fixture(.gcload), "-seconds", "115",
                                                               "-garbage-mib-per-s", "32", "-live-mib-per-s", "3", "-max-live-mib", "75"])
        defer { pressed.signal(SIGKILL) }
        sleep(118)
        watch.signal(SIGTERM)
        let outcome = watch.finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        try assertMatchesSchema(outcome)

        let trend = try XCTUnwrap(alerts(outcome, kind: "trend", pid: leak.pid).first, "a trend alert for the leak: \(outcome.summary)")
        XCTAssertTrue(functions((trend["sites"] as? [JSONLine])?.first ?? [:]).contains("grow_cache"), "\(trend)")
        XCTAssertTrue(near(number(trend["rate_bytes_per_hour"]), 3600 * mib, within: 0.25), "1 MiB a second: \(trend)")

        XCTAssertEqual(outcome.lines(ofType: "alert").filter { int32($0["pid"]) == sawtooth.pid }.map { $0["summary"] as? String ?? "" }, [],
                       "no alert for a GC sawtooth without a leak")
        let sawtoothReport = try XCTUnwrap(outcome.finalReport(pid: sawtooth.pid), outcome.summary)
        XCTAssertGreaterThan(number(sawtoothReport["go_gc_cycles"]) ?? 0, 20, "its GC ran: \(describe(sawtoothReport))")

        let spike = try XCTUnwrap(alerts(outcome, kind: "spike", pid: spiker.pid).first, outcome.summary)
        // 96 MiB at once: the interval it lands in (or the two it straddles) holds most of it.
        XCTAssertGreaterThan(number(spike["increment"]) ?? 0, 32 * mib, "\(spike)")
        let grown = try XCTUnwrap((spike["sites"] as? [JSONLine])?.first, "\(spike)")
        XCTAssertTrue(functions(grown).contains("grow_cache"), "\(spike)")
        XCTAssertTrue(alerts(outcome, kind: "spike").allSatisfy { int32($0["pid"]) == spiker.pid }, "spikes of others: \(alerts(outcome, kind: "spike"))")

        let gc = try XCTUnwrap(alerts(outcome, kind: "gc_pressure", pid: pressed.pid).first, outcome.summary)
        XCTAssertEqual(number(gc["limit"]), 80 * mib, "GOMEMLIMIT: \(gc)")
        XCTAssertGreaterThan(number(gc["gc_per_minute"]) ?? 0, 2 * (number(gc["gc_baseline_per_minute"]) ?? .infinity), "\(gc)")
        // Reports and group lines carry the trend figures.
        let group = try XCTUnwrap(outcome.lines(ofType: "group").last { $0["final"] as? Bool == false }, outcome.summary)
        XCTAssertFalse((group["trend"] as? [JSONLine] ?? []).isEmpty, "\(group)")
        let leakReport = try XCTUnwrap(outcome.finalReport(pid: leak.pid), outcome.summary)
        XCTAssertFalse((leakReport["trend"] as? [JSONLine] ?? []).isEmpty, describe(leakReport))
    }
}

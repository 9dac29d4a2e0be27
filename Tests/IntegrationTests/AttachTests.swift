// `memhound attach` to a leaker started here: attribution, --duration, SIGTERM.
import Foundation
import XCTest

final class AttachTests: XCTestCase {
    private var leakers: [Spawned] = []

    override func tearDown() {
        for leaker in leakers { leaker.signal(SIGKILL); _ = leaker.finish(timeout: 10) }
        leakers = []
        super.tearDown()
    }

    /// Starts a leaker that waits for a line on stdin, then grows `steps` x `stepMiB` 100 ms apart and sleeps.
    private func startLeaker(steps: Int, stepMiB: Int) throws -> Spawned {
        let leaker = try Spawned(try fixture(.leaker), ["--wait-stdin", "--steps", "\(steps)", "--step-mib", "\(stepMiB)",
                                                        "--step-ms", "100", "--then", "sleep"])
        leakers.append(leaker)
        guard leaker.out.wait(for: "ready \(leaker.pid)", timeout: 20) else {
            XCTFail("leaker did not start: \(leaker.out.text) \(leaker.err.text)")
            throw FixtureError(message: "leaker did not start")
        }
        return leaker
    }

    /// Waits for memhound's start line (it is written once the target is attached), then lets the leaker grow.
    private func release(_ leaker: Spawned, tracedBy memhound: Spawned) -> Bool {
        guard memhound.out.wait(for: "\"type\":\"start\"", timeout: 30) else { return false }
        leaker.writeStdin("go\n")
        return leaker.out.wait(for: "grown", timeout: 30)
    }

    func testAttachAttributesGrowthAfterAttaching() throws {
        try requirePrivileges()
        let leaker = try startLeaker(steps: 12, stepMiB: 2)  // 24 MiB over 1.2 s
        let memhound = try Memhound.start(["attach", "--pid", "\(leaker.pid)", "--interval", "1",
                                           "--duration", "5", "--top", "50"])
        let grew = release(leaker, tracedBy: memhound)
        let outcome = memhound.finish(timeout: 60)
        XCTAssertTrue(grew, "leaker did not grow while traced:\n\(outcome.summary)")
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertFalse(outcome.signaled, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.malformedLines.isEmpty, "malformed lines: \(outcome.malformedLines)")
        XCTAssertEqual(outcome.targetPid, leaker.pid)
        XCTAssertEqual(outcome.lines(ofType: "start").first?["mode"] as? String, "attach")

        let report = try XCTUnwrap(outcome.finalReport(pid: leaker.pid), "no final report:\n\(outcome.summary)")
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 24 * mib, within: 0.10),
                      "grow_cache should hold 24 MiB:\n\(describe(report))")
        let explained = number(report["explained"])
        XCTAssertTrue(near(explained, 1.0, within: 0.10), "explained \(String(describing: explained)):\n\(describe(report))")
        XCTAssertTrue(near(number((report["growth"] as? JSONLine)?["anon"]), 24 * mib, within: 0.10),
                      "growth counts from the attach:\n\(describe(report))")
        XCTAssertTrue(processAlive(leaker.pid), "attach must not harm the target")
    }

    func testAttachStopsOnSIGTERMWithFinalReport() throws {
        try requirePrivileges()
        let leaker = try startLeaker(steps: 2, stepMiB: 2)
        let memhound = try Memhound.start(["attach", "--pid", "\(leaker.pid)", "--interval", "1", "--top", "50"])
        let grew = release(leaker, tracedBy: memhound)
        if grew { usleep(2_000_000) }
        memhound.signal(SIGTERM)
        let outcome = memhound.finish(timeout: 30)
        XCTAssertTrue(grew, "leaker did not grow while traced:\n\(outcome.summary)")
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertFalse(outcome.signaled, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: leaker.pid), "no final report:\n\(outcome.summary)")
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 4 * mib, within: 0.10),
                      describe(report))
        XCTAssertTrue(outcome.exitLine(pid: leaker.pid) == nil, "the target did not exit: \(outcome.lines(ofType: "exit"))")
        XCTAssertTrue(processAlive(leaker.pid), "memhound must not stop an attached target")
    }

    func testAttachEndsWhenTheTargetExits() throws {
        try requirePrivileges()
        let leaker = try startLeaker(steps: 2, stepMiB: 2)
        let memhound = try Memhound.start(["attach", "--pid", "\(leaker.pid)", "--interval", "1"])
        let grew = release(leaker, tracedBy: memhound)
        leaker.signal(SIGKILL)
        let outcome = memhound.finish(timeout: 30)
        XCTAssertTrue(grew, outcome.summary)
        XCTAssertFalse(outcome.timedOut, "attach must end when its target exits:\n\(outcome.summary)")
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertNotNil(outcome.finalReport(pid: leaker.pid), outcome.summary)
        XCTAssertEqual(outcome.exitLine(pid: leaker.pid)?["signal"] as? String, "SIGKILL", outcome.summary)
    }
}

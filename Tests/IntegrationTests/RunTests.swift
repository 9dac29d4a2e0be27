// `memhound run` on the C fixture: attribution of a leak and of churn, exit statuses, SIGINT, closed stdout.
import Foundation
import XCTest

final class RunTests: XCTestCase {
    /// 12 steps, 100 ms apart: grow_cache keeps 4 MiB per step (48 MiB), churn_buffer maps, touches and unmaps
    /// 8 MiB per step (96 MiB grown, all released).
    func testRunAttributesLeakAndChurnInC() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let outcome = try Memhound.run(["run", "--interval", "1", "--top", "50", "--",
                                        leaker, "--steps", "12", "--step-mib", "4", "--churn-mib", "8"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.malformedLines.isEmpty, "malformed lines: \(outcome.malformedLines)")
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), "no final report for \(pid)\n\(outcome.summary)")

        let grow = largestSite(report, containing: "grow_cache")
        XCTAssertTrue(near(number(grow?["bytes"]), 48 * mib, within: 0.10),
                      "grow_cache should hold 48 MiB:\n\(describe(report))")

        let churn = largestSite(report, containing: "churn_buffer", by: "grown")
        let churnGrown = number(churn?["grown"]) ?? 0
        XCTAssertTrue(near(churnGrown, 96 * mib, within: 0.10), "churn_buffer should have grown 96 MiB:\n\(describe(report))")
        XCTAssertLessThan(number(churn?["bytes"]) ?? .infinity, churnGrown * 0.05,
                          "churn_buffer released what it grew:\n\(describe(report))")

        let explained = number(report["explained"])
        XCTAssertTrue(near(explained, 1.0, within: 0.10), "explained \(String(describing: explained)):\n\(describe(report))")

        let exit = try XCTUnwrap(outcome.exitLine(pid: pid), outcome.summary)
        XCTAssertEqual(int32(exit["exit_code"]), 0, "\(exit)")
        XCTAssertTrue(exit["signal"] is NSNull, "exit line must carry \"signal\": null for a normal exit: \(exit)")
        XCTAssertTrue(outcome.lines(ofType: "mmap").isEmpty && outcome.lines(ofType: "munmap").isEmpty,
                      "no raw event lines without --events")
    }

    func testRunExitsWithTheCommandsStatus() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let outcome = try Memhound.run(["run", "--interval", "1", "--",
                                        leaker, "--steps", "1", "--step-mib", "1", "--exit-code", "3"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertFalse(outcome.signaled, outcome.summary)
        XCTAssertEqual(outcome.status, 3, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        XCTAssertNotNil(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertEqual(int32(outcome.exitLine(pid: pid)?["exit_code"]), 3, outcome.summary)
    }

    /// SIGINT to memhound is forwarded to the child; the child dies of it, so memhound exits 128+2.
    func testRunForwardsSIGINTAndWritesFinalReport() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let memhound = try Memhound.start(["run", "--interval", "1", "--top", "50", "--",
                                           leaker, "--steps", "2", "--step-mib", "2", "--then", "sleep"])
        let started = memhound.out.wait(for: "\"type\":\"start\"", timeout: 30)
            && memhound.err.wait(for: "grown", timeout: 30)
        if started { usleep(1_500_000) }
        memhound.signal(SIGINT)
        let outcome = memhound.finish(timeout: 30)
        XCTAssertTrue(started, "leaker never reported growing:\n\(outcome.summary)")
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertFalse(outcome.signaled, outcome.summary)
        XCTAssertEqual(outcome.status, 130, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), "no final report\n\(outcome.summary)")
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 4 * mib, within: 0.10),
                      describe(report))
        XCTAssertEqual(outcome.exitLine(pid: pid)?["signal"] as? String, "SIGINT", outcome.summary)
    }

    /// A reader that goes away after the first line: memhound stops its child and exits 0, quietly.
    func testRunStopsPromptlyWhenStdoutIsClosed() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let memhound = try Memhound.start(["run", "--interval", "1", "--",
                                           leaker, "--quiet", "--steps", "1", "--step-mib", "1", "--then", "sleep"],
                                          closeStdoutAfterFirstLine: true)
        let readerClosed = memhound.out.waitForEnd(timeout: 30)
        let closedAt = Date()
        let outcome = memhound.finish(timeout: 20)
        let exitedAfter = Date().timeIntervalSince(closedAt)
        XCTAssertTrue(readerClosed, outcome.summary)
        XCTAssertFalse(outcome.timedOut, "memhound kept running after its stdout closed:\n\(outcome.summary)")
        XCTAssertLessThan(exitedAfter, 10, outcome.summary)
        XCTAssertFalse(outcome.signaled, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.stderr, "", "no error output expected")

        let pid = try XCTUnwrap(outcome.targetPid, "first line should be the start line: \(outcome.stdout)")
        var gone = false
        for _ in 0..<100 where !gone {  // reaping may trail the exit a little: bounded 2 s
            gone = !processAlive(pid)
            if !gone { usleep(20_000) }
        }
        XCTAssertTrue(gone, "leaker \(pid) still alive after memhound exited")
        if !gone { kill(pid, SIGKILL) }
    }
}

/// True while `pid` exists and is not a zombie.
func processAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
    return state != "Z" && state != "X"
}

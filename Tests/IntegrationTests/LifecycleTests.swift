// Every way a run can end: signals, memhound killed, output errors, bad option values, tracing itself.
import Foundation
import XCTest

final class LifecycleTests: XCTestCase {
    /// SIGHUP (a closed terminal) ends the run like SIGTERM: final report, the command stopped.
    func testSIGHUPWritesFinalReportAndStopsTheCommand() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let memhound = try Memhound.start(["run", "--interval", "1", "--",
                                           leaker, "--steps", "2", "--step-mib", "2", "--then", "sleep"])
        let started = memhound.err.wait(for: "grown", timeout: 30)
        if started { usleep(1_000_000) }
        memhound.signal(SIGHUP)
        let outcome = memhound.finish(timeout: 30)
        XCTAssertTrue(started, outcome.summary)
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertFalse(outcome.signaled, "memhound died of SIGHUP:\n\(outcome.summary)")
        XCTAssertEqual(outcome.status, 129, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        XCTAssertNotNil(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertEqual(outcome.exitLine(pid: pid)?["signal"] as? String, "SIGHUP", outcome.summary)
        XCTAssertFalse(processAlive(pid))
    }

    /// memhound killed outright: the command it started does not outlive it.
    func testSIGKILLOfMemhoundDoesNotLeaveTheCommandRunning() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let memhound = try Memhound.start(["run", "--interval", "1", "--",
                                           leaker, "--steps", "1", "--step-mib", "1", "--then", "sleep"])
        let pid = try XCTUnwrap(waitForReady(memhound), "leaker never said ready: \(memhound.err.text)")
        memhound.signal(SIGKILL)
        _ = memhound.finish(timeout: 10)
        var gone = false
        for _ in 0..<250 where !gone {
            gone = !processAlive(pid)
            if !gone { usleep(20_000) }
        }
        XCTAssertTrue(gone, "the command \(pid) outlived memhound")
        if !gone { kill(pid, SIGKILL) }
    }

    /// A full disk mid-run: exit 9, one line naming the errno, the command stopped.
    func testOutputErrorExits9NamingTheErrnoAndStopsTheCommand() throws {
        try requirePrivileges()
        let started = Date()
        let outcome = try Memhound.run(["run", "--interval", "1", "-o", "/dev/full", "--", "/bin/sleep", "60"], timeout: 50)
        assertCleanError(outcome, code: 9)
        XCTAssertTrue(outcome.stderr.contains("/dev/full") && outcome.stderr.contains("ENOSPC"), outcome.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 40, "the command was left running")
    }

    /// stdout closed before memhound starts: exit 9 at once, saying what to do.
    func testClosedStdoutExits9() throws {
        let memhound = try Memhound.path()
        let outcome = try Spawned("/bin/sh", ["-c", "exec \"$0\" run --interval 1 -- /bin/true >&-", memhound]).finish(timeout: 30)
        assertCleanError(outcome, code: 9)
        XCTAssertTrue(outcome.stderr.contains("EBADF") && outcome.stderr.contains("-o FILE"), outcome.stderr)
    }

    func testOutOfRangeIntervalsAndDurationsAreUsageErrors() throws {
        for arguments in [["--interval", "1e-10"], ["--interval", "2e10"], ["--interval", "nan"],
                          ["--duration", "2e10"], ["--duration", "-1"]] {
            let outcome = try Memhound.run(["run"] + arguments + ["--", "/bin/true"])
            assertCleanError(outcome, code: 64)
            XCTAssertTrue(outcome.stderr.contains(arguments[0]), "\(arguments): \(outcome.stderr)")
        }
    }

    func testEmptyEventsIsAUsageErrorAndNoneIsAccepted() throws {
        let outcome = try Memhound.run(["run", "--events", "", "--", "/bin/true"])
        assertCleanError(outcome, code: 64)
        XCTAssertTrue(outcome.stderr.contains("none"), outcome.stderr)
    }

    func testNegativePidSaysItMustBePositive() throws {
        let outcome = try Memhound.run(["attach", "--pid", "-5"])
        assertCleanError(outcome, code: 64)
        XCTAssertTrue(outcome.stderr.contains("positive"), outcome.stderr)
    }

    /// `exec memhound attach --pid $$`: the pid is memhound's own.
    func testAttachingToItselfIsRefused() throws {
        let memhound = try Memhound.path()
        let outcome = try Spawned("/bin/sh", ["-c", "exec \"$0\" attach --pid $$ --interval 1", memhound]).finish(timeout: 30)
        assertCleanError(outcome, code: 64)
        XCTAssertTrue(outcome.stderr.contains("itself"), outcome.stderr)
    }

    private func waitForReady(_ memhound: Spawned) -> Int32? {
        guard memhound.err.wait(for: "ready ", timeout: 30) else { return nil }
        return memhound.err.text.split(separator: "\n").compactMap { $0.hasPrefix("ready ") ? Int32($0.dropFirst(6)) : nil }.first
    }
}

extension LifecycleTests {
    /// A wrapper that grows, then execs the real program (as pyenv shims and shell scripts do): the report
    /// is the new program's, its old sites and the old address space's teardown are gone.
    func testExecStartsTheNewProgramsAccountsAfresh() throws {
        try requirePrivileges()
        let storm = try fixture(.churnstorm)
        let script = "x=$(head -c 30000000 /dev/zero | tr '\\0' a); exec \"$0\" self 0.5 4 8"
        let outcome = try Memhound.run(["run", "--interval", "1", "--", "/bin/bash", "-c", script, storm], timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertEqual(report["comm"] as? String, "churnstorm", describe(report))
        XCTAssertTrue(near(number(report["explained"]), 1, within: 0.05), describe(report))
        XCTAssertTrue(near(number(largestSite(report, containing: "keep_site", by: "grown")?["bytes"]), 8 * mib, within: 0.05),
                      describe(report))
        XCTAssertEqual(number((report["unattributed"] as? JSONLine)?["foreign_release"]), 0, describe(report))
        for site in sites(report) where !functions(site).contains("keep_site") {
            XCTAssertLessThan(number(site["bytes"]) ?? 0, mib, "a site of the old program is left:\n\(describe(report))")
        }
    }

    /// A forked child's growth counts from what it shares with its parent at birth.
    func testForkedChildGrowthCountsFromBirth() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["run", "--interval", "1", "--", try fixture(.leaker),
                                        "--steps", "2", "--step-mib", "2", "--fork", "--child-mib", "6"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let fork = try XCTUnwrap(outcome.lines(ofType: "fork").first, outcome.summary)
        let child = try XCTUnwrap(int32(fork["pid"]))
        let report = try XCTUnwrap(outcome.finalReport(pid: child), outcome.summary)
        XCTAssertTrue(near(number((report["growth"] as? JSONLine)?["anon"]), 6 * mib, within: 0.10), describe(report))
        XCTAssertTrue(near(number(report["explained"]), 1, within: 0.05), describe(report))
    }
}

extension LifecycleTests {
    /// A command name with control bytes: the error stays one printable line.
    func testControlBytesInAnErrorAreEscaped() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["run", "--interval", "1", "--", "/no/such\u{1b}[31mcmd\nx"])
        assertCleanError(outcome, code: 127)
        XCTAssertFalse(outcome.stderr.contains("\u{1b}"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("\\x1b[31mcmd\\x0ax"), outcome.stderr)
    }
}

extension LifecycleTests {
    /// A command whose path is not UTF-8 runs: memhound passes on the bytes it was given.
    func testCommandWhosePathIsNotUTF8Runs() throws {
        try requirePrivileges()
        let script = "p=\"$1/tr$(printf '\\377')ue\"; cp /bin/true \"$p\" && exec \"$0\" run --interval 1 -- \"$p\""
        let outcome = try Spawned("/bin/sh", ["-c", script, try Memhound.path(), scratchDirectory.path]).finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertNotNil(outcome.targetPid.flatMap(outcome.finalReport(pid:)), outcome.summary)
    }
}

// memhound inside a pid namespace of its own (a sidecar without host pids): the programs see host pids,
// memhound translates them, and attribution is the same as outside.
import Foundation
import XCTest

final class PidNamespaceTests: XCTestCase {
    private func unshare() throws -> String {
        guard let path = ["/usr/bin/unshare", "/bin/unshare"].first(where: FileManager.default.isExecutableFile) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("unshare (util-linux) is missing") }
            throw XCTSkip("unshare not found")
        }
        return path
    }

    /// `run` in a new pid namespace: the program and the child it forks are attributed, under their pids there.
    func testRunInsideAPidNamespaceAttributesTheProgramAndItsChild() throws {
        try requirePrivileges()
        let outcome = try Spawned(try unshare(), ["--pid", "--fork", "--mount-proc", try Memhound.path(),
                                                  "run", "--interval", "1", "--events", "mmap", "--", try fixture(.leaker),
                                                  "--steps", "3", "--step-mib", "4", "--fork", "--child-mib", "6"])
            .finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        XCTAssertLessThan(pid, 100, "the start line names the pid as memhound sees it, in its namespace")
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 12 * mib, within: 0.10),
                      describe(report))
        XCTAssertTrue(near(number(report["explained"]), 1, within: 0.10), describe(report))
        let fork = try XCTUnwrap(outcome.lines(ofType: "fork").first, outcome.summary)
        let child = try XCTUnwrap(int32(fork["pid"]))
        XCTAssertLessThan(child, 100, "\(fork)")
        let childReport = try XCTUnwrap(outcome.finalReport(pid: child), outcome.summary)
        XCTAssertTrue(near(number(largestSite(childReport, containing: "child_grow")?["bytes"]), 6 * mib, within: 0.10),
                      describe(childReport))
        // Thread ids too are the namespace's: the single-threaded leaker's main thread is its pid.
        let mmaps = outcome.lines(ofType: "mmap").filter { int32($0["pid"]) == pid }
        XCTAssertFalse(mmaps.isEmpty, outcome.summary)
        for line in mmaps { XCTAssertEqual(int32(line["tid"]), pid, "\(line)") }
    }

    /// `attach` in a new pid namespace to a process started there.
    func testAttachInsideAPidNamespace() throws {
        try requirePrivileges()
        let script = "\"$1\" --quiet --delay-ms 1500 --steps 8 --step-mib 2 --step-ms 100 --then exit & "
            + "sleep 0.5; exec \"$0\" attach --pid $! --interval 1"
        let outcome = try Spawned(try unshare(), ["--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script,
                                                  try Memhound.path(), try fixture(.leaker)]).finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        XCTAssertLessThan(pid, 100)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 16 * mib, within: 0.10),
                      describe(report))
    }

    /// `check` says whether pids are translated, and passes inside a namespace.
    func testCheckTestsThePidTranslation() throws {
        try requirePrivileges()
        let outcome = try Spawned(try unshare(), ["--pid", "--fork", "--mount-proc", try Memhound.path(), "check"])
            .finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let check = try XCTUnwrap(outcome.lines(ofType: "check").first, outcome.summary)
        let item = (check["checks"] as? [JSONLine])?.first { $0["name"] as? String == "pid_namespace" }
        XCTAssertEqual(item?["ok"] as? Bool, true, "\(check)")
        XCTAssertTrue((item?["detail"] as? String)?.contains("translated") == true, "\(check)")
    }

    /// A process in a pid namespace below memhound's: its report says the pid it sees for itself.
    func testAChildInItsOwnPidNamespaceReportsItsOwnPid() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["run", "--interval", "1", "--", try unshare(), "--pid", "--fork",
                                        try fixture(.leaker), "--steps", "3", "--step-mib", "2"], timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let fork = try XCTUnwrap(outcome.lines(ofType: "fork").first, outcome.summary)
        let child = try XCTUnwrap(int32(fork["pid"]))
        let report = try XCTUnwrap(outcome.finalReport(pid: child), outcome.summary)
        XCTAssertEqual(int32(report["ns_pid"]), 1, "the leaker is pid 1 of its namespace: \(describe(report))")
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 6 * mib, within: 0.10),
                      describe(report))
    }
}

// `memhound run` options: raw event lines, -o FILE, following forked children.
import Foundation
import XCTest

final class OptionTests: XCTestCase {
    func testEventsStreamMmapAndMunmapWithStacks() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let outcome = try Memhound.run(["run", "--interval", "1", "--events", "mmap,munmap", "--",
                                        leaker, "--steps", "3", "--step-mib", "4", "--churn-mib", "8"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)

        let mmaps = outcome.lines(ofType: "mmap").filter { int32($0["pid"]) == pid }
        let growMaps = mmaps.filter { functions($0).contains("grow_cache") }
        XCTAssertEqual(growMaps.count, 3, "one mmap per grow_cache step; mmap lines:\n"
                       + mmaps.map { "\($0["length"] ?? "?") \(functions($0))" }.joined(separator: "\n"))
        if let line = growMaps.first {
            XCTAssertEqual(number(line["length"]), 4 * mib, "\(line)")
            XCTAssertEqual(line["prot"] as? String, "rw-", "\(line)")
            XCTAssertTrue((line["result"] as? String)?.hasPrefix("0x") == true, "\(line)")
            XCTAssertNotNil(int32(line["tid"]), "\(line)")
        }

        let munmaps = outcome.lines(ofType: "munmap").filter { int32($0["pid"]) == pid }
        let churnUnmaps = munmaps.filter { functions($0).contains("churn_buffer") }
        XCTAssertEqual(churnUnmaps.count, 3, "one munmap per churn_buffer step; munmap lines:\n"
                       + munmaps.map { "\($0["length"] ?? "?") \(functions($0))" }.joined(separator: "\n"))
        if let line = churnUnmaps.first {
            XCTAssertEqual(number(line["length"]), 8 * mib, "\(line)")
            XCTAssertTrue((line["addr"] as? String)?.hasPrefix("0x") == true, "\(line)")
        }
        XCTAssertTrue(outcome.lines(ofType: "brk").isEmpty, "only the requested kinds are streamed")
        try assertMatchesSchema(outcome)
    }

    /// rss_growth lines are runs of first touches: those under grow_cache add up to what it grew.
    func testRssEventsAddUpToTheGrowth() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let outcome = try Memhound.run(["run", "--interval", "1", "--events", "rss", "--",
                                        leaker, "--steps", "3", "--step-mib", "4"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let runs = outcome.lines(ofType: "rss_growth").filter { functions($0).contains("grow_cache") }
        let total = runs.reduce(0.0) { $0 + (number($1["bytes"]) ?? 0) }
        XCTAssertTrue(near(total, 12 * mib, within: 0.10), "rss_growth under grow_cache: \(total) bytes in \(runs.count) lines")
        for run in runs.prefix(5) {
            XCTAssertTrue((run["start"] as? String)?.hasPrefix("0x") == true, "\(run)")
            XCTAssertGreaterThan(number(run["faults"]) ?? 0, 0, "\(run)")
        }
        XCTAssertTrue(outcome.lines(ofType: "mmap").isEmpty, "only the requested kinds are streamed")
        try assertMatchesSchema(outcome)
    }

    func testOutputFileReceivesTheLinesAndStdoutStaysEmpty() throws {
        try requirePrivileges()
        let leaker = try fixture(.leaker)
        let file = scratchDirectory.appendingPathComponent("out-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try Memhound.run(["run", "--interval", "1", "-o", file.path, "--",
                                        leaker, "--steps", "2", "--step-mib", "2"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.stdout, "", "stdout must stay empty with -o")

        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        let fromFile = Outcome(status: 0, signaled: false, timedOut: false, stdout: text, stderr: "")
        XCTAssertTrue(fromFile.malformedLines.isEmpty, "malformed lines in \(file.path): \(fromFile.malformedLines)")
        let pid = try XCTUnwrap(fromFile.targetPid, "no start line in the file:\n\(text)")
        let report = try XCTUnwrap(fromFile.finalReport(pid: pid), "no final report in the file:\n\(text)")
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 4 * mib, within: 0.10),
                      describe(report))
        XCTAssertNotNil(fromFile.exitLine(pid: pid), text)
    }

    /// The leaker forks a child that grows 16 MiB in child_grow, then exits.
    func testForkedChildIsTracedByDefault() throws {
        try requirePrivileges()
        let (outcome, child) = try runForkingLeaker(extraOptions: [])
        let report = try XCTUnwrap(outcome.finalReport(pid: child), "no final report for child \(child):\n\(outcome.summary)")
        XCTAssertTrue(near(number(largestSite(report, containing: "child_grow")?["bytes"]), 16 * mib, within: 0.10),
                      "child_grow should hold 16 MiB:\n\(describe(report))")
        let forks = outcome.lines(ofType: "fork").filter { int32($0["pid"]) == child }
        XCTAssertEqual(forks.count, 1, "one fork line for the child: \(outcome.lines(ofType: "fork"))")
        XCTAssertEqual(int32(forks.first?["parent_pid"]), outcome.targetPid)
        XCTAssertEqual(int32(outcome.exitLine(pid: child)?["exit_code"]), 0, outcome.summary)
        try assertMatchesSchema(outcome)
    }

    func testNoFollowChildrenLeavesTheChildOut() throws {
        try requirePrivileges()
        let (outcome, child) = try runForkingLeaker(extraOptions: ["--no-follow-children"])
        XCTAssertTrue(outcome.reports(pid: child).isEmpty, "child \(child) was reported:\n\(outcome.summary)")
        let parent = try XCTUnwrap(outcome.targetPid)
        XCTAssertNotNil(outcome.finalReport(pid: parent), outcome.summary)
    }

    private func runForkingLeaker(extraOptions: [String]) throws -> (Outcome, Int32) {
        let leaker = try fixture(.leaker)
        let outcome = try Memhound.run(["run", "--interval", "1", "--top", "50"] + extraOptions
                                       + ["--", leaker, "--fork", "--child-mib", "16", "--steps", "2", "--step-mib", "1"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let childLine = outcome.stderrLines.first { $0.hasPrefix("child ") }
        let child = try XCTUnwrap(childLine.flatMap { Int32($0.dropFirst(6)) }, "leaker printed no child pid:\n\(outcome.summary)")
        return (outcome, child)
    }
}

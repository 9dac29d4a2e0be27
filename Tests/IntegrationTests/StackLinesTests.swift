// `--stacks once` on the Go fixture: stacks travel once as `stack` lines, no line reaches 32 KiB, and the
// reports can be rebuilt with their frames from the lines alone.
import Foundation
import XCTest

final class StackLinesTests: XCTestCase {
    /// goleak maps 64 MiB in main.growMmap, allocates 16 MiB in main.growHeap and parks 16 goroutines with
    /// deep stacks (127-frame stacks of main.deepStack), then sleeps until --duration ends the run.
    func testOnceKeepsLinesUnder32KiBAndReportsRebuild() throws {
        try requirePrivileges()
        let goleak = try fixture(.goleak)
        let outcome = try Memhound.run(["run", "--stacks", "once", "--top", "20", "--interval", "1", "--duration", "5", "--",
                                        goleak, "-mmap-mib", "64", "-heap-mib", "16", "-goroutines", "16",
                                        "-stack-kib", "256", "-then", "sleep"])
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertTrue(outcome.malformedLines.isEmpty, "malformed lines: \(outcome.malformedLines.prefix(2))")
        try assertMatchesSchema(outcome)

        let texts = outcome.stdout.split(separator: "\n")
        let longest = texts.map(\.utf8.count).max() ?? 0
        XCTAssertLessThan(longest, 32768, "the longest line has \(longest) bytes")

        // Every id a site refers to was defined by an earlier stack line; rebuild the sites' frames.
        var stacks: [Int: [JSONLine]] = [:]
        var reports: [JSONLine] = []
        for line in outcome.rawLines {
            switch line["type"] as? String {
            case "stack":
                stacks[try XCTUnwrap((line["id"] as? NSNumber)?.intValue)] = line["frames"] as? [JSONLine] ?? []
            case "report", "oom_kill":
                var rebuilt = line
                rebuilt["sites"] = try sites(line).map { site -> JSONLine in
                    XCTAssertNil(site["frames"], "a site of --stacks once has no frames: \(site)")
                    let id = try XCTUnwrap((site["stack"] as? NSNumber)?.intValue, "a site without stack: \(site)")
                    var whole = site
                    whole["frames"] = try XCTUnwrap(stacks[id], "stack \(id) used before any stack line defined it")
                    return whole
                }
                reports.append(rebuilt)
            default: break
            }
        }
        XCTAssertGreaterThanOrEqual(reports.filter { $0["final"] as? Bool == false }.count, 2, outcome.summary)
        XCTAssertLessThan(stacks.count, reports.reduce(0) { $0 + sites($1).count }, "stacks shared across reports are written once")

        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let final = try XCTUnwrap(reports.last { int32($0["pid"]) == pid && $0["final"] as? Bool == true }, outcome.summary)
        let top = try XCTUnwrap(sites(final).first, describe(final))
        XCTAssertTrue(functions(top).contains("main.growMmap"), "the top site is main.growMmap's:\n\(describe(final))")
        XCTAssertTrue(near(number(top["bytes"]), 64 * mib, within: 0.10), describe(final))
    }
}

// `memhound run --pprof/--folded` on the C fixture: the profiles go tool pprof and flame graph tools read,
// and frames' build ids.
import Foundation
import XCTest

final class ProfileTests: XCTestCase {
    /// grow_cache keeps 4 MiB per step, 12 steps: 48 MiB resident at the end.
    static let leak = 48 * mib

    func files() -> (pprof: String, folded: String) {
        let base = scratchDirectory.appendingPathComponent("profile-\(UUID())").path
        return (base + ".pb.gz", base + ".folded")
    }

    func runLeaker(_ extra: [String]) throws -> Outcome {
        try Memhound.run(["run", "--interval", "1", "--top", "50"] + extra
            + ["--", try fixture(.leaker), "--steps", "12", "--step-mib", "4", "--quiet"])
    }

    func testPprofAndFoldedHoldTheLeak() throws {
        try requirePrivileges()
        let (pprof, folded) = files()
        let outcome = try runLeaker(["--pprof", pprof, "--folded", folded])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
        let site = try XCTUnwrap(largestSite(report, containing: "grow_cache"), describe(report))
        let siteBytes = try XCTUnwrap(number(site["bytes"]))

        let top = try goPprofTop(pprof)
        let flat = try XCTUnwrap(flatBytes(of: "grow_cache", inTop: top), "no grow_cache in go tool pprof -top:\n\(top)")
        XCTAssertTrue(near(flat, Self.leak, within: 0.10), "pprof says grow_cache holds \(flat) bytes:\n\(top)")

        let text = try String(contentsOfFile: folded, encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("grow_cache") }, "folded:\n\(text)")
        XCTAssertTrue(line.contains("main;grow_cache "), "root first, the leaf last: \(line)")
        let bytes = Double(line.split(separator: " ").last ?? "")
        XCTAssertEqual(bytes, siteBytes, "folded line \(line) should carry the site's bytes")
        XCTAssertTrue(near(bytes, Self.leak, within: 0.10), "folded: \(line)")
    }

    /// A followed child is in the same profile, its samples labelled with its pid; folded stacks start at
    /// the process.
    func testChildrenShareOneProfileByPid() throws {
        try requirePrivileges()
        let (pprof, folded) = files()
        let outcome = try Memhound.run(["run", "--interval", "1", "--pprof", pprof, "--folded", folded, "--",
                                        try fixture(.leaker), "--steps", "6", "--step-mib", "4", "--fork",
                                        "--child-mib", "16", "--quiet"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let parent = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let child = try XCTUnwrap(int32(outcome.lines(ofType: "fork").first?["pid"]), outcome.summary)
        let childTop = try goPprofTop(pprof, ["-tagfocus=pid=^\(child)$"])
        let childBytes = try XCTUnwrap(flatBytes(of: "child_grow", inTop: childTop), childTop)
        XCTAssertTrue(near(childBytes, 16 * mib, within: 0.10), childTop)
        XCTAssertNil(flatBytes(of: "grow_cache", inTop: childTop), "the parent's site is not the child's:\n\(childTop)")
        let parentTop = try goPprofTop(pprof, ["-tagfocus=pid=^\(parent)$"])
        XCTAssertTrue(near(flatBytes(of: "grow_cache", inTop: parentTop), 24 * mib, within: 0.10), parentTop)

        let lines = try String(contentsOfFile: folded, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("leaker (\(child));") && $0.contains("child_grow") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("leaker (\(parent));") && $0.contains("grow_cache") }, "\(lines)")
    }

    /// The frame's build_id is the fixture's NT_GNU_BUILD_ID as readelf prints it.
    func testFramesCarryTheirModulesBuildID() throws {
        try requirePrivileges()
        let outcome = try runLeaker([])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
        let site = try XCTUnwrap(largestSite(report, containing: "grow_cache"), describe(report))
        let frame = try XCTUnwrap((site["frames"] as? [JSONLine])?.first { $0["function"] as? String == "grow_cache" })
        let readelf = try Spawned("/usr/bin/readelf", ["-n", try fixture(.leaker)]).finish(timeout: 30)
        let expected = try XCTUnwrap(readelf.stdout.split(separator: "\n")
            .first { $0.contains("Build ID:") }?.split(separator: " ").last.map(String.init), readelf.summary)
        XCTAssertEqual(frame["build_id"] as? String, expected)
        try assertMatchesSchema(outcome)
    }

    /// A profile that cannot be written: one line and the output exit code; the JSON lines and the
    /// other profile are still written.
    func testUnwritableProfileIsACleanErrorAndLosesNothingElse() throws {
        try requirePrivileges()
        let (_, folded) = files()
        let outcome = try runLeaker(["--pprof", "/nonexistent-memhound-dir/p.pb.gz", "--folded", folded])
        assertCleanError(outcome, code: 9)
        XCTAssertTrue(outcome.stderr.contains("/nonexistent-memhound-dir/p.pb.gz"), outcome.stderr)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        XCTAssertNotNil(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertTrue(try String(contentsOfFile: folded, encoding: .utf8).contains("grow_cache"))
    }

    // MARK: - usage (no privileges: rejected or answered before anything loads)

    func testProfileFileSameAsAnotherOutputIsAUsageError() throws {
        assertCleanError(try Memhound.run(["run", "--pprof", "/tmp/x", "--folded", "/tmp/x", "--", "/bin/true"]), code: 64)
        assertCleanError(try Memhound.run(["run", "-o", "/tmp/x", "--pprof", "/tmp/x", "--", "/bin/true"]), code: 64)
        assertCleanError(try Memhound.run(["demo", "--pprof", ""]), code: 64)
    }

    func testHelpNamesTheProfileOptions() throws {
        for command in ["attach", "run", "demo"] {
            let help = try Memhound.run([command, "--help"])
            XCTAssertEqual(help.status, 0, help.summary)
            XCTAssertTrue(help.stdout.contains("--pprof <file>") && help.stdout.contains("--folded <file>"),
                          "\(command) --help:\n\(help.stdout)")
        }
    }

    // MARK: - go tool pprof

    func goPprofTop(_ file: String, _ options: [String] = []) throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/local/go/bin", "/usr/lib/go/bin", "/usr/bin"]
        guard let go = dirs.map({ "\($0)/go" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw FixtureError(message: "go not found (scripts/setup installs golang-go)")
        }
        var env = ProcessInfo.processInfo.environment
        if (env["HOME"] ?? "").isEmpty { env["HOME"] = scratchDirectory.path }  // pprof keeps its settings there
        let outcome = try Spawned(go, ["tool", "pprof", "-top", "-sample_index=inuse_space"] + options + [file],
                                  environment: env).finish(timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        return outcome.stdout
    }

    /// The flat column of a function's row in `pprof -top` ("48MB   100%   100%   48MB   100%  grow_cache"),
    /// in bytes (pprof's kB, MB, GB are powers of 1024).
    func flatBytes(of function: String, inTop top: String) -> Double? {
        for row in top.split(separator: "\n") {
            let columns = row.split(separator: " ")
            guard columns.count >= 6, columns.last == Substring(function) else { continue }
            return bytes(columns[0])
        }
        return nil
    }

    func bytes(_ text: Substring) -> Double? {
        let units: [(String, Double)] = [("TB", mib * mib), ("GB", 1024 * mib), ("MB", mib), ("kB", 1024), ("B", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }
}

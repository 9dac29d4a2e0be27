// The OOM killer ends a traced process: an oom_kill line says what was growing.
import Foundation
import XCTest

final class OOMTests: XCTestCase {
    /// A memory cgroup below memhound's own (v1's memory hierarchy here; v2 where that is what the
    /// host has), with `limit` bytes, removed when the test ends.
    func makeMemoryCgroup(limit: UInt64) throws -> (path: String, procs: String) {
        let text = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let name = "memhound-oom-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if let v1 = text.split(separator: "\n").first(where: { $0.split(separator: ":")[1].split(separator: ",").contains("memory") }) {
            let dir = "/sys/fs/cgroup/memory" + String(v1.split(separator: ":", maxSplits: 2)[2]) + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            addTeardownBlock { _ = rmdir(dir) }
            try "\(limit)".write(toFile: dir + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
            return (dir, dir + "/cgroup.procs")
        }
        let unified = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("0::") }, "no memory cgroup")
        let dir = "/sys/fs/cgroup" + String(unified.dropFirst(3)) + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        addTeardownBlock { _ = rmdir(dir) }
        try "\(limit)".write(toFile: dir + "/memory.max", atomically: false, encoding: .utf8)
        return (dir, dir + "/cgroup.procs")
    }

    func testAnOOMKillNamesWhatWasGrowing() throws {
        try requirePrivileges()
        let limit: UInt64 = 100 * 1024 * 1024
        let cgroup = try makeMemoryCgroup(limit: limit)
        // The shell joins the cgroup, then becomes the leaker: 4 MiB every 50 ms until the kernel kills it.
        let outcome = try Memhound.run(["run", "--interval", "1", "--", "/bin/sh", "-c",
                                        "echo $$ > \(cgroup.procs) && exec \(try fixture(.leaker)) --steps 200 --step-mib 4 --step-ms 50"],
                                       timeout: 90)
        XCTAssertEqual(outcome.status, 128 + 9, "the kernel kills the leaker: \(outcome.summary)")
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let kills = outcome.lines(ofType: "oom_kill")
        XCTAssertEqual(kills.count, 1, outcome.summary)
        let kill = try XCTUnwrap(kills.first)
        XCTAssertEqual(int32(kill["pid"]), pid)
        XCTAssertEqual(kill["comm"] as? String, "leaker")
        let anon = try XCTUnwrap(number(kill["anon_rss"]))
        XCTAssertGreaterThan(anon, Double(limit) * 0.8, "the victim held most of the cgroup: \(kill)")
        XCTAssertEqual(number(kill["cgroup_limit"]), Double(limit), "\(kill)")
        XCTAssertTrue((kill["cgroup"] as? String)?.hasSuffix(URL(fileURLWithPath: cgroup.path).lastPathComponent) == true, "\(kill)")
        let top = try XCTUnwrap((kill["sites"] as? [JSONLine])?.first, "\(kill)")
        XCTAssertTrue(functions(top).contains("grow_cache"), "the growing function: \(kill)")
        XCTAssertTrue(near(number(top["bytes"]), anon, within: 0.10), "grow_cache's bytes against the kernel's anon_rss: \(kill)")
        XCTAssertNotNil(kill["recent_growth"], "\(kill)")
        XCTAssertTrue(outcome.stderr.contains("was chosen by the OOM killer"), outcome.stderr)
        // The victim's final report and exit follow.
        XCTAssertNotNil(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertEqual(outcome.exitLine(pid: pid)?["signal"] as? String, "SIGKILL", outcome.summary)
        try assertMatchesSchema(outcome)
        // `memhound report` of the recording says so.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-oom-\(getpid()).jsonl")
        try outcome.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = try Memhound.run(["report", file.path])
        XCTAssertEqual(report.status, 0, report.summary)
        XCTAssertTrue(report.stdout.contains("oom kill: leaker (pid \(pid))"), report.stdout)
    }
}

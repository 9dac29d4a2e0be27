// memhound as a non-root user with only the capabilities docs/cli.md names: what works, what each
// missing capability costs, and that the error says which one.
import Foundation
import XCTest

final class CapabilityTests: XCTestCase {
    func testCheckLineMatchesTheSchema() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["check"], timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.lines(ofType: "check").count, 1, outcome.summary)
        try assertMatchesSchema(outcome)
    }

    /// memhound and the fixture copied where uid 65534 can run them (the build tree may not be reachable).
    private func unprivilegedCopies() throws -> (setpriv: String, memhound: String, storm: String) {
        guard let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: FileManager.default.isExecutableFile) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("setpriv (util-linux) is missing") }
            throw XCTSkip("setpriv (util-linux) not found")
        }
        let dir = scratchDirectory.appendingPathComponent("nobody")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)
        var copies: [String] = []
        for source in [try Memhound.path(), try fixture(.churnstorm)] {
            let target = dir.appendingPathComponent(URL(fileURLWithPath: source).lastPathComponent).path
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: source, toPath: target)
            chmod(target, 0o755)
            copies.append(target)
        }
        return (setpriv, copies[0], copies[1])
    }

    /// Runs `arguments` as uid 65534 with exactly `caps` (e.g. "+bpf,+perfmon"), none inherited otherwise.
    private func runAsNobody(_ caps: String, _ arguments: [String]) throws -> Outcome {
        let (setpriv, memhound, _) = try unprivilegedCopies()
        return try Spawned(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups",
                                     "--inh-caps=-all,\(caps)", "--ambient-caps=\(caps)", "--", memhound] + arguments)
            .finish(timeout: 60)
    }

    func testBPFPerfmonAndDACReadSearchAreEnoughForRun() throws {
        try requirePrivileges()
        let storm = try unprivilegedCopies().storm
        let outcome = try runAsNobody("+bpf,+perfmon,+dac_read_search",
                                      ["run", "--interval", "1", "--", storm, "self", "1", "4", "4"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
        XCTAssertTrue(near(number(largestSite(report, containing: "keep_site", by: "grown")?["bytes"]), 4 * mib, within: 0.10),
                      describe(report))
        XCTAssertFalse(outcome.stderr.contains("warning"), outcome.stderr)
    }

    func testEachMissingCapabilityIsNamedWithWhatItIsFor() throws {
        try requirePrivileges()
        let storm = try unprivilegedCopies().storm
        for (caps, missing) in [("+bpf,+perfmon", "CAP_DAC_READ_SEARCH"), ("+perfmon,+dac_read_search", "CAP_BPF"),
                                ("+bpf,+dac_read_search", "CAP_PERFMON")] {
            let outcome = try runAsNobody(caps, ["run", "--interval", "1", "--", storm, "self", "1", "4", "4"])
            assertCleanError(outcome, code: 6)
            XCTAssertTrue(outcome.stderr.contains(missing), "\(caps): \(outcome.stderr)")
        }
    }

    /// Another user's process: without CAP_SYS_PTRACE memhound says its frames will lack names; with it, they have them.
    func testAttachingToAnotherUsersProcessNeedsSysPtraceForNames() throws {
        try requirePrivileges()
        let leaker = try Spawned(try fixture(.leaker), ["--delay-ms", "1500", "--steps", "4", "--step-mib", "2",
                                                        "--step-ms", "200", "--then", "exit"])
        defer { _ = leaker.finish(timeout: 10) }
        XCTAssertTrue(leaker.out.wait(for: "ready", timeout: 10))
        let without = try runAsNobody("+bpf,+perfmon,+dac_read_search",
                                      ["attach", "--pid", "\(leaker.pid)", "--duration", "1", "--interval", "1"])
        XCTAssertEqual(without.status, 0, without.summary)
        XCTAssertTrue(without.stderr.contains("CAP_SYS_PTRACE"), without.stderr)

        let second = try Spawned(try fixture(.leaker), ["--delay-ms", "1000", "--steps", "4", "--step-mib", "2",
                                                        "--step-ms", "200", "--then", "exit"])
        defer { _ = second.finish(timeout: 10) }
        XCTAssertTrue(second.out.wait(for: "ready", timeout: 10))
        let with = try runAsNobody("+bpf,+perfmon,+dac_read_search,+sys_ptrace",
                                   ["attach", "--pid", "\(second.pid)", "--interval", "1"])
        XCTAssertEqual(with.status, 0, with.summary)
        XCTAssertFalse(with.stderr.contains("CAP_SYS_PTRACE"), with.stderr)
        let report = try XCTUnwrap(with.finalReport(pid: second.pid), with.summary)
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 8 * mib, within: 0.10),
                      describe(report))
    }
}

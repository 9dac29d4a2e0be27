// Failures end with a documented exit code and one "memhound: ..." line on stderr, never a crash dump.
import Foundation
import XCTest

final class ErrorTests: XCTestCase {
    // MARK: usage errors (no privileges needed: rejected before anything loads)

    func testIntervalZeroIsAUsageError() throws {
        assertCleanError(try Memhound.run(["run", "--interval", "0", "--", "/bin/true"]), code: 64)
    }

    func testUnknownEventKindIsAUsageError() throws {
        assertCleanError(try Memhound.run(["run", "--events", "bogus", "--", "/bin/true"]), code: 64)
    }

    func testRunWithoutCommandIsAUsageError() throws {
        assertCleanError(try Memhound.run(["run", "--interval", "1"]), code: 64)
    }

    func testUnknownFlagIsAUsageError() throws {
        assertCleanError(try Memhound.run(["attach", "--pid", "1", "--no-such-flag"]), code: 64)
    }

    // MARK: errors found while setting up tracing

    func testAttachToMissingPidExits3() throws {
        try requirePrivileges()
        let pid = try XCTUnwrap(unusedPid(), "no free pid found")
        let outcome = try Memhound.run(["attach", "--pid", "\(pid)", "--interval", "1"])
        assertCleanError(outcome, code: 3)
        XCTAssertEqual(outcome.stdout, "", "no JSON for a failed attach")
    }

    func testAttachToKernelThreadExits5() throws {
        try requirePrivileges()
        let comm = try? String(contentsOfFile: "/proc/2/comm", encoding: .utf8)
        guard comm?.hasPrefix("kthreadd") == true else {
            throw XCTSkip("pid 2 is not kthreadd here (a pid namespace?): \(comm ?? "absent")")
        }
        assertCleanError(try Memhound.run(["attach", "--pid", "2", "--interval", "1"]), code: 5)
    }

    func testRunMissingCommandExits127() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["run", "--interval", "1", "--", "/nonexistent/cmd"])
        assertCleanError(outcome, code: 127)
    }

    func testUnwritableOutputFileExits9() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["run", "--interval", "1", "-o", "/nonexistent-dir/x.json", "--", "/bin/true"])
        assertCleanError(outcome, code: 9)
        XCTAssertEqual(outcome.stdout, "")
    }

    /// Without any capability (uid/gid 65534, empty bounding set) memhound cannot load BPF: exit 6.
    func testMissingPrivilegesExits6() throws {
        try requirePrivileges()  // only meaningful where privileged memhound works
        guard let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("setpriv (util-linux) not found")
        }
        let binary = try Memhound.path()
        guard accessibleToNobody(binary) else {
            throw XCTSkip("\(binary) is not reachable by uid 65534 (set MEMHOUND_BIN to a world-readable copy)")
        }
        let outcome = try Spawned(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                            "--bounding-set=-all", "--", binary, "run", "--interval", "1", "--", "/bin/true"])
            .finish(timeout: 60)
        assertCleanError(outcome, code: 6)
    }

    // MARK: check

    func testCheckReportsEveryCheckAsJSONAndText() throws {
        try requirePrivileges()
        let outcome = try Memhound.run(["check"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let check = try XCTUnwrap(outcome.lines(ofType: "check").first, outcome.summary)
        XCTAssertEqual(outcome.lines.count, 1, "one JSON line: \(outcome.stdout)")
        XCTAssertEqual(check["ok"] as? Bool, true)
        let checks = check["checks"] as? [JSONLine] ?? []
        XCTAssertEqual(Set(checks.compactMap { $0["name"] as? String }),
                       ["privileges", "btf", "ring_buffer", "tracefs", "tracepoints", "load_and_attach", "pid_namespace"], "\(check)")
        for item in checks {
            XCTAssertNotNil(item["name"] as? String, "\(item)")
            XCTAssertEqual(item["ok"] as? Bool, true, "\(item)")
            XCTAssertNotNil(item["detail"] as? String, "\(item)")
            XCTAssertTrue(outcome.stderr.contains(item["name"] as? String ?? "?"), "human line for \(item)")
        }
    }

    // MARK: helpers

    /// A pid no process has: the highest free one below pid_max.
    private func unusedPid() -> Int32? {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)) ?? "32768"
        let pidMax = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 32768
        var pid = pidMax - 1
        while pid > pidMax - 1000 {
            if kill(pid, 0) != 0 && errno == ESRCH && !FileManager.default.fileExists(atPath: "/proc/\(pid)") { return pid }
            pid -= 1
        }
        return nil
    }

    /// Every directory on the way is searchable and the file executable by others.
    private func accessibleToNobody(_ path: String) -> Bool {
        var url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let mode = attributes[.posixPermissions] as? Int, mode & 0o001 != 0 else { return false }
        while url.path != "/" {
            url.deleteLastPathComponent()
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  let mode = attributes[.posixPermissions] as? Int, mode & 0o001 != 0 else { return false }
        }
        return true
    }
}

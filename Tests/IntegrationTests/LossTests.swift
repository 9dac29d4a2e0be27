// Figures stay true when the target outruns memhound or its reader: storms, a blocked stdout, CPython.
import Foundation
import XCTest

final class LossTests: XCTestCase {
    /// mmap/touch/munmap by one thread as fast as it can: the kernel charges each freed run itself.
    func testChurnStormByOneThreadStaysExact() throws {
        let report = try finalReport(try storm("self"))
        try assertTrueFigures(report, keptMiB: 8)
        XCTAssertEqual(number(report["lost_records"]), 0, "no record is needed per churned page:\n\(describe(report))")
    }

    /// Two mappings touched in turn, then unmapped: every first run goes through the ring buffer.
    func testChurnStormWithRunsInFlightStaysTrue() throws {
        let outcome = try storm("pair")
        try assertTrueFigures(try finalReport(outcome), keptMiB: 8)
        try assertLossSaidOnStderr(outcome)
    }

    /// One thread touches, another unmaps.
    func testChurnStormAcrossThreadsStaysTrue() throws {
        let outcome = try storm("cross")
        try assertTrueFigures(try finalReport(outcome), keptMiB: 8)
        try assertLossSaidOnStderr(outcome)
    }

    /// churnstorm MODE for 6 s next to its 8 MiB leak, traced with default options. Periodic reports too
    /// are figures of one instant: the releases the kernel counted are charged in the same report.
    private func storm(_ mode: String) throws -> Outcome {
        try requirePrivileges()
        let outcome = try Memhound.run(["run", "--interval", "1", "--", try fixture(.churnstorm), mode, "6", "4", "8"],
                                       timeout: 90)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
        let periodic = outcome.reports(pid: pid).filter { $0["final"] as? Bool == false }
        XCTAssertGreaterThanOrEqual(periodic.count, 4, outcome.summary)
        for report in periodic {
            let growth = number((report["growth"] as? JSONLine)?["anon"]) ?? 0
            let attributed = number((report["attributed"] as? JSONLine)?["anon"]) ?? 0
            XCTAssertLessThanOrEqual(attributed, growth * 1.2 + mib, "\(mode): a periodic report is inflated:\n\(describe(report))")
        }
        return outcome
    }

    /// A reader that reads nothing for 15 s: memhound keeps draining and reporting on time, and
    /// every line asked for arrives once the reader reads.
    func testBlockedStdoutNeitherStopsTracingNorCorruptsFigures() throws {
        try requirePrivileges()
        let memhound = try Memhound.path(), storm = try fixture(.churnstorm)
        let script = "\"$0\" run --interval 1 -- \"$1\" pair 12 4 8 | (sleep 15; cat)"
        let outcome = try Spawned("/bin/sh", ["-c", script, memhound, storm]).finish(timeout: 120)
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let report = try finalReport(outcome)
        try assertTrueFigures(report, keptMiB: 8)
        let pid = try XCTUnwrap(outcome.targetPid)
        let periodic = outcome.reports(pid: pid).filter { $0["final"] as? Bool == false }
        XCTAssertGreaterThanOrEqual(periodic.count, 8, "periodic reports were not written while stdout was blocked")
        let times = periodic.compactMap { $0["elapsed_s"] }.compactMap(number)
        XCTAssertGreaterThan((times.max() ?? 0) - (times.min() ?? 0), 6,
                             "periodic reports must be taken on time, not when the reader wakes: \(times)")
    }

    /// CPython keeping 300,000 objects of 1 KiB (pymalloc hands those to malloc), freed at exit, ten times.
    /// The exit trims glibc's heap 4 KiB at a time (about 25,000 brk calls in a fraction of a second), more
    /// than the default ring buffer and overflow table hold on a busy 2-core machine: the ring is sized for
    /// that storm, as a user tracing one would, and the figures must then be exact.
    func testCPythonFiguresStayWithinFivePercentTenTimes() throws {
        try requirePrivileges()
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile)
        else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("python3 is missing (scripts/setup installs it)") }
            throw XCTSkip("python3 not found")
        }
        let program = "kept = [bytes(1024) for _ in range(300000)]\nprint('kept', len(kept))"
        for run in 1...10 {
            let outcome = try Memhound.run(["run", "--interval", "5", "--ring-buffer-kib", "32768", "--", python, "-c", program],
                                           timeout: 60)
            XCTAssertEqual(outcome.status, 0, "run \(run): \(outcome.summary)")
            let report = try finalReport(outcome)
            let growth = try XCTUnwrap(number((report["growth"] as? JSONLine)?["anon"]))
            let attributed = try XCTUnwrap(number((report["attributed"] as? JSONLine)?["anon"]))
            XCTAssertTrue(near(attributed, growth, within: 0.05), "run \(run): attributed \(attributed) of \(growth)\n\(describe(report))")
            for site in sites(report) {
                XCTAssertLessThanOrEqual(number(site["bytes"]) ?? 0, growth * 1.05, "run \(run): \(describe(report))")
            }
        }
    }

    // MARK: - helpers

    private func finalReport(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) throws -> JSONLine {
        XCTAssertFalse(outcome.timedOut, outcome.summary, file: file, line: line)
        let pid = try XCTUnwrap(outcome.targetPid, outcome.summary, file: file, line: line)
        return try XCTUnwrap(outcome.finalReport(pid: pid), "no final report\n\(outcome.summary)", file: file, line: line)
    }

    /// Never inflated, never far off: attributed within 5% of the kernel's growth, the leak named with its
    /// 8 MiB (or marked uncertain), the churn holding nothing.
    private func assertTrueFigures(_ report: JSONLine, keptMiB: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let growth = try XCTUnwrap(number((report["growth"] as? JSONLine)?["anon"]), file: file, line: line)
        let attributed = try XCTUnwrap(number((report["attributed"] as? JSONLine)?["anon"]), file: file, line: line)
        XCTAssertLessThanOrEqual(attributed, growth * 1.05, "attributed is inflated:\n\(describe(report))", file: file, line: line)
        XCTAssertGreaterThanOrEqual(attributed, growth * 0.95, "attributed is far low:\n\(describe(report))", file: file, line: line)
        let keep = try XCTUnwrap(largestSite(report, containing: "keep_site", by: "grown"), describe(report), file: file, line: line)
        let keepBytes = number(keep["bytes"]) ?? 0, keepUncertain = number(keep["uncertain_bytes"]) ?? -1
        XCTAssertLessThanOrEqual(keepBytes, keptMiB * mib * 1.05, describe(report), file: file, line: line)
        XCTAssertGreaterThanOrEqual(keepBytes + keepUncertain, keptMiB * mib * 0.95, describe(report), file: file, line: line)
        for site in sites(report) where !functions(site).contains("keep_site") {
            XCTAssertLessThanOrEqual(number(site["bytes"]) ?? 0, growth * 0.05,
                                     "a churning site holds bytes:\n\(describe(report))", file: file, line: line)
        }
        if number(report["lost_records"]) == 0 {
            XCTAssertTrue(near(keepBytes, keptMiB * mib, within: 0.05), describe(report), file: file, line: line)
            XCTAssertEqual(keepUncertain, 0, describe(report), file: file, line: line)
        }
    }

    /// Records lost: said on stderr, counted in the report.
    private func assertLossSaidOnStderr(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try finalReport(outcome)
        let lost = number((report["lost"] as? JSONLine)?["ring_buffer"]) ?? 0
        if lost > 0 {
            XCTAssertTrue(outcome.stderr.contains("memhound: warning: lost "), outcome.summary, file: file, line: line)
        }
        print("loss: \(Int(lost)) ring-buffer records lost; final report: \(describe(report))")
    }
}

extension LossTests {
    /// A ring buffer of 64 KiB cannot keep up: records are lost, said on stderr, and no figure is inflated.
    func testLostRecordsNeverInflateFigures() throws {
        try requirePrivileges()
        for mode in ["pair", "cross"] {
            // Frame-pointer walks bring the 8 KiB stack copies at mmap, which overflow the ring for sure.
            let outcome = try Memhound.run(["run", "--interval", "1", "--ring-buffer-kib", "64", "--unwind", "frame-pointers",
                                            "--", try fixture(.churnstorm), mode, "5", "4", "8"], timeout: 90)
            let report = try finalReport(outcome)
            let lostRecords = number(report["lost_records"]) ?? 0
            XCTAssertGreaterThan(lostRecords, 0, "\(mode): a 64 KiB ring should overflow:\n\(describe(report))")
            XCTAssertTrue(outcome.stderr.contains("memhound: warning: lost "), outcome.summary)
            XCTAssertFalse(outcome.lines(ofType: "lost").isEmpty, outcome.summary)
            let growth = try XCTUnwrap(number((report["growth"] as? JSONLine)?["anon"]))
            let attributed = try XCTUnwrap(number((report["attributed"] as? JSONLine)?["anon"]))
            XCTAssertLessThanOrEqual(attributed, growth * 1.05, "\(mode): inflated\n\(describe(report))")
            let keep = try XCTUnwrap(largestSite(report, containing: "keep_site", by: "grown"), describe(report))
            let keepBytes = number(keep["bytes"]) ?? 0, keepUncertain = number(keep["uncertain_bytes"]) ?? 0
            XCTAssertLessThanOrEqual(keepBytes, 8 * mib * 1.05, "\(mode): \(describe(report))")
            XCTAssertGreaterThanOrEqual(keepBytes + keepUncertain, 8 * mib * 0.95, "\(mode): \(describe(report))")
            for site in sites(report) where !functions(site).contains("keep_site") {
                XCTAssertLessThanOrEqual(number(site["bytes"]) ?? 0, growth * 0.05, "\(mode): \(describe(report))")
            }
        }
    }
}

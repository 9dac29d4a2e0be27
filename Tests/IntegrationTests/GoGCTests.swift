// Go programs' GC cycles, counted by a uprobe found through the pclntab: the runtime's own count.
import Foundation
import XCTest

final class GoGCTests: XCTestCase {
    /// `go_gc_cycles` in the final report equals the cycles the runtime itself reports (gctrace),
    /// for a binary with symbols and for a stripped one.
    func testGCCyclesMatchTheRuntimesOwnCount() throws {
        try requirePrivileges()
        for fixture in [Fixture.goleak, .goleakStripped] {
            let program = try self.fixture(fixture)
            var environment = ProcessInfo.processInfo.environment
            environment["GODEBUG"] = "gctrace=1"
            let outcome = try Spawned(try Memhound.path(), ["run", "--interval", "1", "--format", "json", "--",
                                                            program, "-heap-mib", "96", "-mmap-mib", "0", "-then", "exit"],
                                      environment: environment).finish(timeout: 60)
            XCTAssertEqual(outcome.status, 0, outcome.summary)
            try assertMatchesSchema(outcome)
            let pid = try XCTUnwrap(outcome.targetPid, outcome.summary)
            let report = try XCTUnwrap(outcome.finalReport(pid: pid), outcome.summary)
            // gctrace prints "gc N @..." once per completed cycle, on the program's stderr (memhound's).
            let cycles = outcome.stderrLines.filter { $0.hasPrefix("gc ") }.count
            XCTAssertGreaterThan(cycles, 0, "the heap growth runs the GC: \(outcome.stderr)")
            XCTAssertEqual(number(report["go_gc_cycles"]), Double(cycles), "\(fixture): \(describe(report))")
        }
    }
}

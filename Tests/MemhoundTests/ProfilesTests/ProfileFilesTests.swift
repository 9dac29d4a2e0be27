import Foundation
@testable import MemhoundAgent
@testable import MemhoundProfiles
import MemhoundOutput
import XCTest

final class ProfileFilesTests: XCTestCase {
    typealias F = ProfileFixtures

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("memhound-\(getpid())-\(UUID())-\(name)").path
    }

    func testWritesBothFiles() throws {
        let files = ProfileFiles(pprof: temporary("p.pb.gz"), folded: temporary("f.folded"))
        defer { [files.pprof, files.folded].compactMap { $0 }.forEach { try? FileManager.default.removeItem(atPath: $0) } }
        XCTAssertEqual(files.write([F.main], mainExecutable: "/usr/bin/app"), [])
        let pprof = try XCTUnwrap(FileManager.default.contents(atPath: files.pprof!))
        XCTAssertEqual(try PprofProfile.decode(Array(pprof)).sample.count, 3)
        XCTAssertEqual(try String(contentsOfFile: files.folded!, encoding: .utf8), FoldedStacks.text([F.main]))
    }

    /// One file that cannot be written does not keep the other from being written.
    func testAFailureIsReportedAndTheOtherFileStillWritten() throws {
        let folded = temporary("f.folded")
        defer { try? FileManager.default.removeItem(atPath: folded) }
        let files = ProfileFiles(pprof: "/nonexistent-memhound-dir/p.pb.gz", folded: folded)
        XCTAssertEqual(files.write([F.main], mainExecutable: nil),
                       ["cannot write pprof profile /nonexistent-memhound-dir/p.pb.gz: No such file or directory"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folded))
    }

    func testFinalReportsKeepsTheLastFinalReportOfEachProcess() {
        let finals = FinalReports()
        var periodic = F.main
        periodic.final = false
        periodic.sites = []
        var earlier = F.child
        earlier.elapsedS = 1
        finals.observe(.report(periodic))
        finals.observe(.report(earlier))
        finals.observe(.report(F.main))
        finals.observe(.report(F.child))
        XCTAssertEqual(finals.reports, [F.child, F.main], "in the order processes first ended")
    }
}

import Foundation
import MemhoundProc
import XCTest

/// Sanity checks against the real /proc of the test process itself.
final class ProcLiveTests: XCTestCase {
    func testOwnProcess() throws {
        let fs = ProcFS()
        let pid = getpid()

        let status = try fs.status(pid: pid)
        XCTAssertEqual(status.tgid, pid)
        XCTAssertTrue(status.hasMemory)
        XCTAssertGreaterThan(status.rssAnon, 0)
        XCTAssertEqual(status.rssAnon % 1024, 0, "kB converted to bytes")
        XCTAssertGreaterThanOrEqual(status.threads, 1)

        let stat = try fs.stat(pid: pid)
        XCTAssertEqual(stat.pid, pid)
        XCTAssertEqual(stat.ppid, getppid())
        XCTAssertFalse(stat.isKernelThread)
        XCTAssertFalse(try fs.isKernelThread(pid: pid))

        let maps = try fs.maps(pid: pid)
        XCTAssertFalse(maps.isEmpty)
        XCTAssertTrue(maps.contains { $0.isExecutable && $0.filePath != nil })
        XCTAssertTrue(maps.allSatisfy { $0.start < $0.end })
        if let lib = maps.first(where: { $0.isExecutable && $0.filePath != nil && !$0.isDeleted }) {
            let candidates = fs.mappedFilePath(pid: pid, mapping: lib)
            XCTAssertEqual(candidates.count, 2)
            XCTAssertTrue(FileManager.default.fileExists(atPath: candidates[1]), candidates[1])
        }

        XCTAssertGreaterThan(try fs.smapsRollup(pid: pid).rss, 0)
        XCTAssertTrue(fs.exists(pid: pid))
        XCTAssertTrue(fs.threadIDs(pid: pid).contains(pid))
        XCTAssertNotNil(fs.exe(pid: pid))
        XCTAssertFalse(fs.cmdline(pid: pid).isEmpty)
        XCTAssertNotNil(fs.comm(pid: pid))
        XCTAssertNotNil(fs.kernelRelease())
    }
}

@testable import MemhoundAgent
import MemhoundEvents
import XCTest

final class EventLinesTests: XCTestCase {
    func event(_ s: MemorySyscall, _ args: [UInt64], result: Int64) -> SyscallEvent {
        SyscallEvent(syscall: s, tgid: 1, tid: 2, enterTime: 100, exitTime: 350, stack: .walked(1),
                     result: result, args: args, anonDelta: -4096, anonBytes: 0)
    }

    func testMmapLine() {
        let line = EventLines.syscall(event(.mmap, [0, 8192, 3, 0x8022, UInt64(bitPattern: -1), 0], result: 0x7f00_0000_0000),
                                      time: "t", frames: [])
        XCTAssertEqual(line.type, "mmap")
        XCTAssertEqual(line.result, "0x7f0000000000")
        XCTAssertEqual(line.prot, "rw-")
        XCTAssertEqual(line.flags, ["private", "anonymous", "populate"])
        XCTAssertEqual(line.fd, -1)
        XCTAssertEqual(line.durationNs, 250)
        XCTAssertNil(line.error)
    }

    func testFailureCarriesErrnoName() {
        let line = EventLines.syscall(event(.munmap, [0x1000, 4096, 0, 0, 0, 0], result: -22), time: "t", frames: [])
        XCTAssertEqual(line.error, "EINVAL")
        XCTAssertNil(line.result)
    }

    func testMadviseAndMremapNames() {
        XCTAssertEqual(EventLines.syscall(event(.madvise, [0x1000, 4096, 4, 0, 0, 0], result: 0), time: "t", frames: []).advice, "dontneed")
        XCTAssertEqual(EventLines.adviceName(999), "999")
        let remap = EventLines.syscall(event(.mremap, [0x1000, 4096, 8192, 1, 0, 0], result: 0x2000), time: "t", frames: [])
        XCTAssertEqual(remap.flags, ["maymove"])
        XCTAssertEqual(remap.newLength, 8192)
    }
}

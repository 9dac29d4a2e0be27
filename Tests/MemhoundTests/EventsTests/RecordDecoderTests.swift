import MemhoundABI
@testable import MemhoundEvents
import XCTest

final class RecordDecoderTests: XCTestCase {
    private func bytes<T>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    private func decode(_ raw: [UInt8]) throws -> Record {
        try raw.withUnsafeBytes { try RecordDecoder.decode($0) }
    }

    func testSyscallRecord() throws {
        var r = memhound_syscall_record()
        r.hdr.kind = UInt32(MH_RECORD_SYSCALL.rawValue)
        r.hdr.tgid = 100
        r.hdr.tid = 101
        r.hdr.time_ns = 2_000
        r.syscall = UInt32(MH_SYS_MUNMAP.rawValue)
        r.stack_id = 7
        r.ret = 0
        r.args = (0x7f00_0000_0000, 8192, 0, 0, 0, 0)
        r.enter_ns = 1_500
        r.anon_delta = -8192
        r.anon_bytes = 4096
        r.word_at_sp = 0x4011aa
        let record = try decode(bytes(of: r))
        XCTAssertEqual(record, .syscall(SyscallEvent(
            syscall: .munmap, tgid: 100, tid: 101, enterTime: 1_500, exitTime: 2_000,
            kernelStack: KernelStackID(raw: 7), wordAtSP: 0x4011aa, result: 0,
            args: [0x7f00_0000_0000, 8192, 0, 0, 0, 0], anonDelta: -8192, anonBytes: 4096)))
    }

    func testFailedSyscallHasErrno() throws {
        var r = memhound_syscall_record()
        r.hdr.kind = UInt32(MH_RECORD_SYSCALL.rawValue)
        r.syscall = UInt32(MH_SYS_MMAP.rawValue)
        r.ret = -12
        guard case let .syscall(e) = try decode(bytes(of: r)) else { return XCTFail("not a syscall") }
        XCTAssertTrue(e.failed)
        XCTAssertEqual(e.errno, 12)
    }

    func testMmapAddressInHighHalfIsNotAFailure() {
        let e = SyscallEvent(syscall: .mmap, tgid: 1, tid: 1, enterTime: 0, exitTime: 0,
                             result: 0x7fff_f000_0000, args: [], anonDelta: 0, anonBytes: 0)
        XCTAssertFalse(e.failed)
    }

    func testRunRecord() throws {
        var r = memhound_run_record()
        r.hdr.kind = UInt32(MH_RECORD_RUN.rawValue)
        r.hdr.tgid = 5
        r.hdr.tid = 6
        r.hdr.time_ns = 900
        r.start = 0x1000
        r.end = 0x5000
        r.first_ns = 800
        r.stack_id = 3
        r.faults = 4
        guard case let .pages(run) = try decode(bytes(of: r)) else { return XCTFail("not a run") }
        XCTAssertEqual(run.bytes, 0x4000)
        XCTAssertEqual(run.kernelStack, KernelStackID(raw: 3))
        XCTAssertEqual(run.firstTime, 800)
        XCTAssertEqual(run.lastTime, 900)
        XCTAssertEqual(run.faults, 4)
    }

    func testProcessRecordCommStopsAtNul() throws {
        var r = memhound_process_record()
        r.hdr.kind = UInt32(MH_RECORD_PROCESS.rawValue)
        r.hdr.tgid = 42
        r.event = UInt32(MH_PROCESS_EXIT.rawValue)
        r.exit_code = 3 << 8
        r.anon_bytes = 1 << 20
        withUnsafeMutableBytes(of: &r.comm) { raw in
            for (i, c) in "leaker".utf8.enumerated() { raw[i] = c }
        }
        guard case let .process(p) = try decode(bytes(of: r)) else { return XCTFail("not a process event") }
        XCTAssertEqual(p.kind, .exit)
        XCTAssertEqual(p.comm, "leaker")
        XCTAssertEqual(p.exitStatus, 768)
        XCTAssertEqual(p.anonBytes, 1 << 20)
    }

    func testTruncatedAndUnknownRecordsAreErrors() {
        XCTAssertThrowsError(try decode([1, 0, 0])) { XCTAssertEqual($0 as? DecodeError, .truncated(kind: 0, size: 3)) }
        var h = memhound_record_header()
        h.kind = UInt32(MH_RECORD_SYSCALL.rawValue)
        XCTAssertThrowsError(try decode(bytes(of: h))) {
            XCTAssertEqual($0 as? DecodeError, .truncated(kind: 1, size: 24))
        }
        h.kind = 99
        XCTAssertThrowsError(try decode(bytes(of: h))) { XCTAssertEqual($0 as? DecodeError, .unknownKind(99)) }
        var r = memhound_syscall_record()
        r.hdr.kind = UInt32(MH_RECORD_SYSCALL.rawValue)
        r.syscall = 77
        XCTAssertThrowsError(try decode(bytes(of: r))) {
            XCTAssertEqual($0 as? DecodeError, .unknownValue(field: "syscall", value: 77))
        }
    }
}

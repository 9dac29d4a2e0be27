import MemhoundABI
import XCTest

/// The shared header is the only definition of the records; Swift must see the
/// same sizes and offsets the BPF programs were compiled with.
final class RecordLayoutTests: XCTestCase {
    func testSizesMatchTheHeaderAssertions() {
        XCTAssertEqual(MemoryLayout<memhound_record_header>.size, 24)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.size, 136)
        XCTAssertEqual(MemoryLayout<memhound_run_record>.size, 72)
        XCTAssertEqual(MemoryLayout<memhound_process_record>.size, 64)
        XCTAssertEqual(MemoryLayout<memhound_target>.size, 88)
        XCTAssertEqual(MemoryLayout<memhound_stack_key>.size, 8)
        XCTAssertEqual(MemoryLayout<memhound_stack_growth>.size, 40)
        // TCP: offsets in NetTests/TCPRecordTests.
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.size, 104)
        XCTAssertEqual(MemoryLayout<memhound_tcp_counts>.size, 32)
    }

    func testOffsets() {
        XCTAssertEqual(MemoryLayout<memhound_record_header>.offset(of: \.time_ns), 16)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.syscall), 24)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.ret), 32)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.args), 40)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.enter_ns), 88)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.anon_delta), 96)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.word_at_sp), 112)
        XCTAssertEqual(MemoryLayout<memhound_run_record>.offset(of: \.start), 24)
        XCTAssertEqual(MemoryLayout<memhound_run_record>.offset(of: \.stack_id), 48)
        XCTAssertEqual(MemoryLayout<memhound_run_record>.offset(of: \.word_at_sp), 56)
        XCTAssertEqual(MemoryLayout<memhound_process_record>.offset(of: \.anon_bytes), 40)
        XCTAssertEqual(MemoryLayout<memhound_process_record>.offset(of: \.comm), 48)
        XCTAssertEqual(MemoryLayout<memhound_target>.offset(of: \.anon_bytes), 16)
        XCTAssertEqual(MemoryLayout<memhound_stack_growth>.offset(of: \.word_at_sp), 16)
        XCTAssertEqual(MemoryLayout<memhound_stack_growth>.offset(of: \.unlocated), 24)
        XCTAssertEqual(MemoryLayout<memhound_syscall_record>.offset(of: \.kernel_released), 128)
        XCTAssertEqual(MemoryLayout<memhound_target>.offset(of: \.unseen_release), 56)
    }

    func testABIVersionIsOne() {
        XCTAssertEqual(MEMHOUND_ABI_VERSION, 2)
    }
}

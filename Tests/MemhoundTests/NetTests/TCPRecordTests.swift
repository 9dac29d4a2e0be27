import MemhoundABI
@testable import MemhoundEvents
import XCTest

/// The TCP record crosses the kernel/user boundary: same layout, decoded field by field.
final class TCPRecordTests: XCTestCase {
    func testLayoutMatchesTheHeader() {
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.size, 104)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.event), 24)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.err), 28)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.family), 32)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.sport), 34)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.dport), 36)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.state), 38)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.on_cpu_tgid), 40)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.netns), 44)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.segments), 48)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.saddr), 56)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.daddr), 72)
        XCTAssertEqual(MemoryLayout<memhound_tcp_record>.offset(of: \.comm), 88)
        XCTAssertEqual(MemoryLayout<memhound_tcp_counts>.size, 32)
        XCTAssertEqual(MemoryLayout<memhound_tcp_counts>.offset(of: \.failed), 16)
        XCTAssertEqual(MemoryLayout<memhound_tcp_counts>.offset(of: \.segments), 24)
        XCTAssertEqual(MH_RECORD_TCP.rawValue, 4)
    }

    private func record(event: memhound_tcp_event = MH_TCP_RETRANSMIT) -> memhound_tcp_record {
        var r = memhound_tcp_record()
        r.hdr.kind = UInt32(MH_RECORD_TCP.rawValue)
        r.hdr.tgid = 4242
        r.hdr.tid = 4250
        r.hdr.time_ns = 77_000
        r.event = event.rawValue
        r.err = 0
        r.family = 2
        r.sport = 40000
        r.dport = 5001
        r.state = 1
        r.on_cpu_tgid = 0
        r.netns = 4026531840
        r.segments = 3
        r.saddr = (10, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        r.daddr = (10, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &r.comm) { raw in
            for (i, c) in "client".utf8.enumerated() { raw[i] = c }
        }
        return r
    }

    private func decode(_ r: memhound_tcp_record) throws -> Record {
        try withUnsafeBytes(of: r) { try RecordDecoder.decode($0) }
    }

    func testRetransmitRecord() throws {
        let decoded = try decode(record())
        XCTAssertEqual(decoded, .tcpRetransmit(TCPRetransmit(
            kind: .retransmit, tgid: 4242, tid: 4250, comm: "client", time: 77_000, family: 2,
            saddr: [10, 1, 2, 1] + Array(repeating: 0, count: 12), daddr: [10, 1, 2, 2] + Array(repeating: 0, count: 12),
            sport: 40000, dport: 5001, state: 1, error: 0, onCPUTgid: 0, netns: 4026531840, segments: 3)))
    }

    func testSynAckAndFailedAttempt() throws {
        var r = record(event: MH_TCP_SYNACK)
        r.err = -105
        guard case let .tcpRetransmit(t) = try decode(r) else { return XCTFail("not a TCP record") }
        XCTAssertEqual(t.kind, .synack)
        XCTAssertTrue(t.failed)
        XCTAssertEqual(t.error, -105)
    }

    func testUnknownEventIsRejected() {
        var r = record()
        r.event = 9
        XCTAssertThrowsError(try decode(r)) { error in
            XCTAssertEqual(error as? DecodeError, .unknownValue(field: "tcp event", value: 9))
        }
    }

    func testTruncatedRecordIsRejected() {
        let r = record()
        let bytes = withUnsafeBytes(of: r) { Array($0.prefix(60)) }
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try RecordDecoder.decode($0) })
    }
}

import MemhoundEvents
import MemhoundNet
import XCTest

final class TCPLedgerTests: XCTestCase {
    private func retransmit(pid: Int32 = 10, sport: UInt16 = 40000, kind: TCPRetransmit.Kind = .retransmit,
                            error: Int32 = 0, time: UInt64 = 1, state: UInt8 = 1,
                            segments: UInt32 = 1, total: UInt32 = 0) -> TCPRetransmit {
        TCPRetransmit(kind: kind, tgid: pid, tid: pid, comm: "c", time: time, family: 2,
                      saddr: [10, 0, 0, 1] + Array(repeating: 0, count: 12),
                      daddr: [10, 0, 0, 2] + Array(repeating: 0, count: 12),
                      sport: sport, dport: 5001, state: state, error: error, segments: segments,
                      totalRetrans: total)
    }

    /// The socket's own count shows attempts no record accounts for: between two records, and after the
    /// last one when the socket is destroyed; the first record only sets the base.
    func testMissedAttemptsFromTheSocketsOwnCount() throws {
        var ledger = TCPRetransmitLedger()
        ledger.add(retransmit(total: 5))                      // base: earlier ones may predate tracing
        ledger.add(retransmit(total: 6))
        ledger.add(retransmit(total: 8))                      // one attempt unrecorded
        ledger.add(retransmit(segments: 2, total: 10))        // a TSO skb of two: nothing missed
        ledger.add(retransmit(error: -16, total: 10))         // EBUSY, not counted by the kernel
        ledger.add(retransmit(error: -105, total: 11))        // ENOBUFS after the count
        var c = try XCTUnwrap(ledger.top(pid: 10, limit: 1).connections.first?.1)
        XCTAssertEqual(c.missed, 1)
        XCTAssertEqual(c.kernelTotal, 11)
        ledger.add(retransmit(kind: .closed, total: 14))      // destroyed: three after the last record
        c = try XCTUnwrap(ledger.top(pid: 10, limit: 1).connections.first?.1)
        XCTAssertEqual(c.missed, 4)
        XCTAssertEqual(c.kernelTotal, 14)
        XCTAssertEqual(c.retransmits, 6, "a socket's end is not a retransmit")
        ledger.add(retransmit(sport: 40001, kind: .closed, total: 3))
        XCTAssertEqual(ledger.top(pid: 10, limit: 10).connections.count, 1, "no base: a closed socket alone is not listed")
    }

    func testCountsPerProcessAndConnection() throws {
        var ledger = TCPRetransmitLedger()
        for _ in 0..<3 { ledger.add(retransmit(sport: 40000, segments: 2)) }
        ledger.add(retransmit(sport: 40001, kind: .synack, state: 12))
        ledger.add(retransmit(sport: 40001, error: -105, time: 9, state: 4, segments: 5))
        ledger.add(retransmit(pid: 11, sport: 40000))

        let top = ledger.top(pid: 10, limit: 10)
        XCTAssertEqual(top.others, 0)
        XCTAssertEqual(top.connections.map(\.0.sourcePort), [40000, 40001])
        XCTAssertEqual(top.connections[0].1.retransmits, 3)
        XCTAssertEqual(top.connections[0].1.segments, 6, "a TSO skb sent again counts all its segments")
        let second = top.connections[1].1
        XCTAssertEqual(second.retransmits, 2)
        XCTAssertEqual(second.synack, 1)
        XCTAssertEqual(second.failed, 1)
        XCTAssertEqual(second.segments, 1, "a failed attempt sent no segment")
        XCTAssertEqual(second.lastState, 4)
        XCTAssertEqual(second.lastTime, 9)
        XCTAssertEqual("\(top.connections[0].0.source)", "10.0.0.1")
        XCTAssertEqual(ledger.top(pid: 11, limit: 10).connections.count, 1, "another process keeps its own")
    }

    func testTopLimitsAndCountsTheRest() {
        var ledger = TCPRetransmitLedger()
        for port in 0..<5 {
            for _ in 0...port { ledger.add(retransmit(sport: UInt16(41000 + port))) }
        }
        let top = ledger.top(pid: 10, limit: 2)
        XCTAssertEqual(top.connections.map(\.0.sourcePort), [41004, 41003])
        XCTAssertEqual(top.others, 3)
    }

    func testConnectionsPastTheCapAreUnlisted() {
        var ledger = TCPRetransmitLedger(maxConnections: 2)
        for port in 0..<4 { ledger.add(retransmit(sport: UInt16(42000 + port))) }
        ledger.add(retransmit(sport: 42000))
        XCTAssertEqual(ledger.connections[10]?.count, 2)
        XCTAssertEqual(ledger.connections[10]?.values.reduce(0) { $0 + $1.retransmits }, 3)
        XCTAssertEqual(ledger.unlisted[10], 2)
    }

    func testForget() {
        var ledger = TCPRetransmitLedger()
        ledger.add(retransmit())
        ledger.forget(pid: 10)
        XCTAssertTrue(ledger.top(pid: 10, limit: 5).connections.isEmpty)
    }
}

import Foundation
@testable import MemhoundAgent
import MemhoundEvents
import MemhoundNet
import MemhoundOutput
import XCTest

final class TCPLineTests: XCTestCase {
    private func json(_ value: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try XCTUnwrap(JSONSerialization.jsonObject(with: encoder.encode(value)) as? [String: Any])
    }

    private let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 10, 9, 8, 7]
    private let v6: [UInt8] = [0xfd, 0] + Array(repeating: 0, count: 13) + [1]

    func testRetransmitLine() throws {
        let r = TCPRetransmit(kind: .retransmit, tgid: 42, tid: 43, comm: "client", time: 5, family: 10,
                              saddr: v6, daddr: mapped, sport: 40000, dport: 5001, state: 1, onCPUTgid: 0,
                              segments: 2)
        let line = try json(TCPLines.retransmit(r, time: "2026-11-21T19:41:40.108Z"))
        XCTAssertEqual(line["type"] as? String, "tcp_retransmit")
        XCTAssertEqual(line["pid"] as? Int, 42)
        XCTAssertEqual(line["tid"] as? Int, 43)
        XCTAssertEqual(line["comm"] as? String, "client")
        XCTAssertEqual(line["saddr"] as? String, "fd00::1")
        XCTAssertEqual(line["sport"] as? Int, 40000)
        XCTAssertEqual(line["dport"] as? Int, 5001)
        XCTAssertEqual(line["state"] as? String, "ESTABLISHED")
        XCTAssertEqual(line["kind"] as? String, "retransmit")
        XCTAssertEqual(line["failed"] as? Bool, false)
        XCTAssertTrue(line["error"] is NSNull, "error is present and null: \(line)")
        XCTAssertEqual(line["on_cpu_pid"] as? Int, 0)
        XCTAssertEqual(line["segments"] as? Int, 2)
    }

    func testV4MappedLineIsIPv4AndFailureIsNamed() throws {
        let r = TCPRetransmit(kind: .synack, tgid: 7, tid: 7, comm: "server", time: 5, family: 10,
                              saddr: mapped, daddr: mapped, sport: 5001, dport: 40000, state: 12, error: -105)
        let line = try json(TCPLines.retransmit(r, time: "t"))
        XCTAssertEqual(line["family"] as? String, "ipv4")
        XCTAssertEqual(line["saddr"] as? String, "10.9.8.7")
        XCTAssertEqual(line["kind"] as? String, "synack")
        XCTAssertEqual(line["state"] as? String, "NEW_SYN_RECV")
        XCTAssertEqual(line["failed"] as? Bool, true)
        XCTAssertEqual(line["error"] as? String, "ENOBUFS")
    }

    func testReportCarriesTCP() throws {
        var report = ReportLine(
            time: "t", final: true, pid: 1, comm: nil, elapsedS: 1,
            rss: MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0), growth: MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0),
            attributed: AttributedBytes(anon: 0), explained: nil,
            unattributed: Unattributed(foreignGrowth: 0, foreignRelease: 0, unscopedRelease: 0, preexistingRelease: 0),
            sites: [], otherSites: 0, lost: LostCounts())
        let empty = try XCTUnwrap(json(report)["tcp"] as? [String: Any])
        XCTAssertEqual(empty["retransmits"] as? Int, 0, "every report has tcp, even without retransmits")
        XCTAssertEqual((empty["connections"] as? [Any])?.count, 0)
        XCTAssertEqual(empty["lost"] as? Int, 0)

        report.tcp = TCPReport(retransmits: 5, synack: 2, failed: 1, segments: 7, unattributed: 3, connections: [
            TCPConnectionEntry(family: "ipv4", saddr: "10.0.0.1", sport: 5001, daddr: "10.0.0.2", dport: 40000,
                               retransmits: 5, synack: 2, failed: 1, segments: 7, state: "ESTABLISHED"),
        ], otherConnections: 4)
        let tcp = try XCTUnwrap(json(report)["tcp"] as? [String: Any])
        XCTAssertEqual(tcp["retransmits"] as? Int, 5)
        XCTAssertEqual(tcp["synack"] as? Int, 2)
        XCTAssertEqual(tcp["unattributed"] as? Int, 3)
        XCTAssertEqual(tcp["segments"] as? Int, 7)
        XCTAssertEqual(tcp["other_connections"] as? Int, 4)
        let connection = try XCTUnwrap((tcp["connections"] as? [[String: Any]])?.first)
        XCTAssertEqual(connection["saddr"] as? String, "10.0.0.1")
        XCTAssertEqual(connection["state"] as? String, "ESTABLISHED")
        XCTAssertEqual(connection["segments"] as? Int, 7)
        let data = try JSONEncoder().encode(report)
        XCTAssertEqual(try JSONDecoder().decode(ReportLine.self, from: data), report)
    }

    func testEntryFromLedger() {
        let c = TCPConnection(source: IPAddress(family: .ipv6, bytes: v6), sourcePort: 1,
                              destination: IPAddress(family: .ipv6, bytes: v6), destinationPort: 2)
        var counts = TCPRetransmitCounts()
        counts.retransmits = 3
        counts.lastState = 9
        let e = TCPLines.entry(c, counts)
        XCTAssertEqual(e.family, "ipv6")
        XCTAssertEqual(e.saddr, "fd00::1")
        XCTAssertEqual(e.state, "LAST_ACK")
        XCTAssertEqual(e.retransmits, 3)
    }
}

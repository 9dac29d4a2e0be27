import MemhoundNet
import XCTest

final class AddressTests: XCTestCase {
    private func raw(_ prefix: [UInt8]) -> [UInt8] { prefix + Array(repeating: 0, count: 16 - prefix.count) }

    func testIPv4() throws {
        let a = try XCTUnwrap(IPAddress(socketFamily: 2, raw: raw([10, 200, 3, 1])))
        XCTAssertEqual(a.family, .ipv4)
        XCTAssertEqual("\(a)", "10.200.3.1")
    }

    func testIPv6IsCompressed() throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[0] = 0xfd
        bytes[15] = 2
        let a = try XCTUnwrap(IPAddress(socketFamily: 10, raw: bytes))
        XCTAssertEqual(a.family, .ipv6)
        XCTAssertEqual("\(a)", "fd00::2")
        let loopback = try XCTUnwrap(IPAddress(socketFamily: 10, raw: Array(repeating: 0, count: 15) + [1]))
        XCTAssertEqual("\(loopback)", "::1")
    }

    func testV4MappedIsShownAsIPv4() throws {
        let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 10, 1, 2, 3]
        let a = try XCTUnwrap(IPAddress(socketFamily: 10, raw: mapped))
        XCTAssertEqual(a.family, .ipv4)
        XCTAssertEqual("\(a)", "10.1.2.3")
        XCTAssertTrue(IPAddress.isV4Mapped(mapped))
        // ::ffff:0:0/96 only: a v4-compatible or NAT64 address stays IPv6.
        let nat64: [UInt8] = [0, 0x64, 0xff, 0x9b] + Array(repeating: 0, count: 8) + [10, 1, 2, 3]
        XCTAssertEqual(IPAddress(socketFamily: 10, raw: nat64)?.family, .ipv6)
    }

    func testOtherFamiliesAndShortInputAreRejected() {
        XCTAssertNil(IPAddress(socketFamily: 1, raw: raw([1, 2, 3, 4])))
        XCTAssertNil(IPAddress(socketFamily: 10, raw: [1, 2, 3, 4]))
    }

    func testStateNames() {
        XCTAssertEqual(TCPState.name(1), "ESTABLISHED")
        XCTAssertEqual(TCPState.name(2), "SYN_SENT")
        XCTAssertEqual(TCPState.name(10), "LISTEN")
        XCTAssertEqual(TCPState.name(12), "NEW_SYN_RECV")
        XCTAssertEqual(TCPState.name(0), "0")
        XCTAssertEqual(TCPState.name(13), "13")
    }
}

import MemhoundABI
@testable import MemhoundKernel
import XCTest

final class PidTranslationTests: XCTestCase {
    func pair(_ host: UInt32, _ ns: UInt32) -> memhound_pid_pair { memhound_pid_pair(host_tgid: host, ns_tgid: ns) }

    func testTheHostsNamespaceTranslatesEveryPidToItself() {
        var t = PidTranslation()
        t.learn([pair(1, 1), pair(4242, 4242)])
        XCTAssertTrue(t.isIdentity)
        XCTAssertEqual(t.host(777), 777, "unlisted pids too: nothing to translate")
        XCTAssertEqual(t.ns(777), 777)
    }

    func testAPidNamespaceTranslatesBothWaysAndForgets() {
        var t = PidTranslation()
        t.learn([pair(17000, 1), pair(17005, 7)])
        XCTAssertFalse(t.isIdentity)
        XCTAssertEqual(t.host(7), 17005)
        XCTAssertEqual(t.ns(17005), 7)
        XCTAssertNil(t.host(8), "a pid not listed has no host tgid yet")
        t.learn(host: 17010, ns: 8)  // a fork record
        XCTAssertEqual(t.host(8), 17010)
        t.learn(host: 17020, ns: 7)  // pid 7 reused by a new process
        XCTAssertEqual(t.host(7), 17020)
        XCTAssertEqual(t.ns(17005), 17005, "the old host tgid no longer maps to the reused pid")
        t.forget(8)
        XCTAssertNil(t.host(8))
    }
}

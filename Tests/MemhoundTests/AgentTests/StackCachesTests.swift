@testable import MemhoundAgent
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import XCTest

/// One owner for what is derived from stacks: one forget per process, one retire per name.
final class StackCachesTests: XCTestCase {
    func frame(_ name: String) -> Frame { Frame(address: "0x1", function: name, module: "/bin/app", offset: "0x1") }

    /// Unwound names counted from where walked names used to reach them (2^24) and past 2^31
    /// keep their own frames beside walked stacks of the same serial.
    func testUnwoundAndWalkedNamesNeverMeet() {
        for first in [UInt64(1 << 24), UInt64(Int32.max) - 1] {
            var caches = StackCaches()
            caches.unwound = UnwoundStacks(firstSerial: first)
            let unwound = caches.unwound.name(tgid: 7, pcs: [0x401000, 0x402000])
            let next = caches.unwound.name(tgid: 7, pcs: [0x403000])
            XCTAssertEqual(unwound.serial, first)
            XCTAssertEqual(next.serial, first + 1, "no trap past \(first)")
            XCTAssertEqual(caches.unwound.name(tgid: 7, pcs: [0x401000, 0x402000]), unwound, "same frames, same name")
            let walked = StackName.walked(first)
            caches.frames[ProcessStack(tgid: 7, stack: walked)] = [frame("walked")]
            caches.frames[ProcessStack(tgid: 7, stack: unwound)] = [frame("unwound")]
            XCTAssertEqual(caches.frames[ProcessStack(tgid: 7, stack: walked)]?.first?.function, "walked")
            XCTAssertEqual(caches.frames[ProcessStack(tgid: 7, stack: unwound)]?.first?.function, "unwound")
            XCTAssertNil(caches.unwound.stack(ProcessStack(tgid: 7, stack: walked)))
            XCTAssertEqual(caches.unwound.stack(ProcessStack(tgid: 7, stack: unwound)), [0x401000, 0x402000])
        }
    }

    func testForgetDropsOneProcessFromEveryCache() {
        var caches = StackCaches()
        let a = ProcessStack(tgid: 1, stack: .walked(1))
        let b = ProcessStack(tgid: 2, stack: .walked(1))
        for key in [a, b] {
            caches.frames[key] = [frame("f")]
            caches.wordsAtSP[key] = 0x40
            caches.complete[key] = true
            caches.repairedPCs[key] = [0x40]
            caches.unwoundPaths[CallPath(tgid: key.tgid, key: 9)] = caches.unwound.name(tgid: key.tgid, pcs: [0x50, 0x60])
            caches.joined[JoinedStackKey(tgid: key.tgid, fault: key.stack, creator: .walked(2))] = .walked(2)
        }
        caches.forget(pid: 1)
        XCTAssertNil(caches.frames[a])
        XCTAssertNil(caches.wordsAtSP[a])
        XCTAssertNil(caches.complete[a])
        XCTAssertNil(caches.repairedPCs[a])
        XCTAssertNil(caches.unwoundPaths[CallPath(tgid: 1, key: 9)])
        XCTAssertNil(caches.joined[JoinedStackKey(tgid: 1, fault: a.stack, creator: .walked(2))])
        XCTAssertNotNil(caches.frames[b])
        XCTAssertNotNil(caches.unwoundPaths[CallPath(tgid: 2, key: 9)])
        XCTAssertNotNil(caches.joined[JoinedStackKey(tgid: 2, fault: b.stack, creator: .walked(2))])
    }

    func testRetireDropsANameFromEveryCacheThatRefersToIt() {
        var caches = StackCaches()
        let retired = StackName.walked(5)
        let kept = StackName.walked(6)
        for stack in [retired, kept] {
            let key = ProcessStack(tgid: 1, stack: stack)
            caches.frames[key] = [frame("f")]
            caches.wordsAtSP[key] = 0x40
            caches.complete[key] = false
            caches.repairedPCs[key] = [0x40]
        }
        caches.joined[JoinedStackKey(tgid: 1, fault: kept, creator: retired)] = kept
        caches.joined[JoinedStackKey(tgid: 1, fault: kept, creator: kept)] = kept
        caches.retire([retired])
        XCTAssertNil(caches.frames[ProcessStack(tgid: 1, stack: retired)])
        XCTAssertNil(caches.wordsAtSP[ProcessStack(tgid: 1, stack: retired)])
        XCTAssertNil(caches.complete[ProcessStack(tgid: 1, stack: retired)])
        XCTAssertNil(caches.repairedPCs[ProcessStack(tgid: 1, stack: retired)])
        XCTAssertNil(caches.joined[JoinedStackKey(tgid: 1, fault: kept, creator: retired)], "the creator was retired")
        XCTAssertNotNil(caches.joined[JoinedStackKey(tgid: 1, fault: kept, creator: kept)])
        XCTAssertNotNil(caches.frames[ProcessStack(tgid: 1, stack: kept)])
    }
}

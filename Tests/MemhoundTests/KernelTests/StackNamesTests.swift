import MemhoundABI
import MemhoundEvents
@testable import MemhoundKernel
import XCTest

/// Naming kernel stack ids across recycled sets of stack tables.
final class StackNamesTests: XCTestCase {
    let layout = StackNames.Layout(entries: 1024, collided: 256)
    let base = UInt32(MH_COLLIDED_STACK_BASE)

    func id(_ slot: UInt32, epoch: UInt32) -> KernelStackID {
        KernelStackID(epoch: epoch, slot: slot)
    }

    /// What the kernel's tables hold: kernel id -> frames; reads are counted.
    struct Tables {
        var stacks: [KernelStackID: [UInt64]] = [:]
        var reads = 0
        mutating func read(_ id: KernelStackID) -> [UInt64]? {
            reads += 1
            return stacks[id]
        }
    }

    func testAStackIsReadOnceAndKeepsItsNameInLaterEpochs() {
        var names = StackNames(layout: layout)
        var tables = Tables(stacks: [id(7, epoch: 0): [0x401000, 0x402000], id(base + 3, epoch: 0): [0x403000]])
        let a = names.name(id(7, epoch: 0)) { tables.read($0) }
        let b = names.name(id(base + 3, epoch: 0)) { tables.read($0) }
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(names.name(id(7, epoch: 0)) { tables.read($0) }, a)
        XCTAssertEqual(tables.reads, 2, "a named id is not read again")
        XCTAssertEqual(names.frames[a], [0x401000, 0x402000])

        // Epoch 1 walks the same stack under another raw id: same name.
        names.advance(to: 1, nowNs: 0)
        tables.stacks[id(99, epoch: 1)] = [0x401000, 0x402000]
        XCTAssertEqual(names.name(id(99, epoch: 1)) { tables.read($0) }, a)
    }

    func testASealedEpochIsNeverReadAgain() {
        var names = StackNames(layout: layout)
        var tables = Tables(stacks: [id(5, epoch: 0): [0x401000]])
        let a = names.name(id(5, epoch: 0)) { tables.read($0) }
        names.advance(to: 1, nowNs: 0)
        names.seal(0, nowNs: 0)
        // The emptied set now holds epoch 2's stacks: an old id of it must not be read.
        tables.stacks[id(6, epoch: 0)] = [0x409000]
        XCTAssertEqual(names.name(id(5, epoch: 0)) { tables.read($0) }, a, "named before the seal")
        XCTAssertEqual(names.name(id(6, epoch: 0)) { tables.read($0) }, .unknown, "not named before the seal")
        XCTAssertEqual(names.expired, 1)
        XCTAssertEqual(tables.reads, 1)
    }

    func testOldEpochsAreForgottenAfterTheirTime() {
        var names = StackNames(layout: layout)
        var tables = Tables(stacks: [id(5, epoch: 0): [0x401000]])
        _ = names.name(id(5, epoch: 0)) { tables.read($0) }
        names.advance(to: 1, nowNs: 0)
        names.seal(0, nowNs: 0)
        for epoch in UInt32(2)...5 { names.advance(to: epoch, nowNs: 1) }
        XCTAssertNotEqual(names.name(id(5, epoch: 0)) { tables.read($0) }, .unknown, "kept: within keepNs")
        names.advance(to: 6, nowNs: StackNames.keepNs + 1)
        XCTAssertEqual(names.name(id(5, epoch: 0)) { tables.read($0) }, .unknown, "forgotten: old and past keepNs")
    }

    func testNegativeAndOutOfRangeIds() {
        var names = StackNames(layout: layout)
        XCTAssertEqual(names.name(KernelStackID(raw: -28)) { (_: KernelStackID) -> [UInt64]? in XCTFail("not read"); return nil }, .unknown)
        XCTAssertEqual(names.name(id(2000, epoch: 0)) { (_: KernelStackID) -> [UInt64]? in XCTFail("not read"); return nil }, .unknown, "beyond the table")
        XCTAssertEqual(names.name(id(base + 256, epoch: 0)) { (_: KernelStackID) -> [UInt64]? in XCTFail("not read"); return nil }, .unknown,
                       "beyond the second table")
    }

    /// Names used to be Int32 from a counter: past 2^24 a name equalled the first ids of stacks
    /// unwound in user space, and at 2^31 the counter trapped. Both points, passed.
    func testNamesPastTheOld32BitLimits() {
        for first in [UInt64(1 << 24) - 2, UInt64(Int32.max) - 2] {
            var names = StackNames(layout: layout, firstSerial: first)
            var tables = Tables()
            var named: [StackName] = []
            for slot in UInt32(0)..<6 {
                tables.stacks[id(slot, epoch: 0)] = [0x401000 + UInt64(slot)]
                named.append(names.name(id(slot, epoch: 0)) { tables.read($0) })
            }
            XCTAssertEqual(named.map(\.serial), (0..<6).map { first + $0 }, "serials run on past \(first + 2)")
            XCTAssertEqual(Set(named).count, 6)
            for (slot, name) in named.enumerated() {
                XCTAssertEqual(name.origin, .walked)
                XCTAssertEqual(names.frames[name], [0x401000 + UInt64(slot)])
                XCTAssertNotEqual(name, StackName.unwound(name.serial), "a walked name never equals an unwound one")
            }
        }
    }
}

import CMemhound
@testable import MemhoundKernel
import XCTest

/// Naming kernel stack ids across recycled sets of stack tables.
final class StackNamesTests: XCTestCase {
    let layout = StackNames.Layout(entries: 1024, collided: 256)
    let base = Int32(MH_COLLIDED_STACK_BASE)

    func id(_ raw: Int32, epoch: UInt32) -> Int32 {
        raw | Int32(bitPattern: epoch << UInt32(MH_STACK_EPOCH_SHIFT))
    }

    /// What the kernel's tables hold: kernel id -> frames; reads are counted.
    struct Tables {
        var stacks: [Int32: [UInt64]] = [:]
        var reads = 0
        mutating func read(_ id: Int32) -> [UInt64]? {
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
        XCTAssertEqual(names.name(id(6, epoch: 0)) { tables.read($0) }, -1, "not named before the seal")
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
        XCTAssertNotEqual(names.name(id(5, epoch: 0)) { tables.read($0) }, -1, "kept: within keepNs")
        names.advance(to: 6, nowNs: StackNames.keepNs + 1)
        XCTAssertEqual(names.name(id(5, epoch: 0)) { tables.read($0) }, -1, "forgotten: old and past keepNs")
    }

    func testNegativeAndOutOfRangeIds() {
        var names = StackNames(layout: layout)
        XCTAssertEqual(names.name(-28) { _ in XCTFail("not read"); return nil }, -28)
        XCTAssertEqual(names.name(2000) { _ in XCTFail("not read"); return nil }, -1, "beyond the table")
        XCTAssertEqual(names.name(base + 256) { _ in XCTFail("not read"); return nil }, -1, "beyond the second table")
    }
}

@testable import MemhoundAccounting
import XCTest

final class IntervalMapTests: XCTestCase {
    typealias Entry = IntervalMap<Int>.Entry

    func testAdjacentEqualValuesMerge() {
        var m = IntervalMap<Int>()
        m.assign(0x1000, 0x2000, 1)
        m.assign(0x2000, 0x3000, 1)
        m.assign(0x5000, 0x6000, 1)
        m.assign(0x3000, 0x5000, 1)
        XCTAssertEqual(m.entries, [Entry(start: 0x1000, end: 0x6000, value: 1)])
    }

    func testDifferentValuesStaySeparate() {
        var m = IntervalMap<Int>()
        m.assign(0x1000, 0x2000, 1)
        m.assign(0x2000, 0x3000, 2)
        XCTAssertEqual(m.entries.count, 2)
        XCTAssertEqual(m.total(), 0x2000)
        XCTAssertEqual(m.total { $0 == 2 }, 0x1000)
    }

    func testRemoveSplitsAndReturnsClippedPieces() {
        var m = IntervalMap<Int>()
        m.assign(0x1000, 0x4000, 1)
        m.assign(0x4000, 0x6000, 2)
        let removed = m.remove(0x3000, 0x5000)
        XCTAssertEqual(removed, [Entry(start: 0x3000, end: 0x4000, value: 1), Entry(start: 0x4000, end: 0x5000, value: 2)])
        XCTAssertEqual(m.entries, [Entry(start: 0x1000, end: 0x3000, value: 1), Entry(start: 0x5000, end: 0x6000, value: 2)])
    }

    func testAssignOverwritesAndReportsReplaced() {
        var m = IntervalMap<Int>()
        m.assign(0x1000, 0x3000, 1)
        let replaced = m.assign(0x2000, 0x4000, 2)
        XCTAssertEqual(replaced, [Entry(start: 0x2000, end: 0x3000, value: 1)])
        XCTAssertEqual(m.entries, [Entry(start: 0x1000, end: 0x2000, value: 1), Entry(start: 0x2000, end: 0x4000, value: 2)])
    }

    func testUpdateRewritesOnlyTheRange() {
        var m = IntervalMap<Int>()
        m.assign(0x1000, 0x5000, 1)
        m.update(0x2000, 0x3000) { $0 + 10 }
        XCTAssertEqual(m.entries.map(\.value), [1, 11, 1])
        XCTAssertEqual(m.overlapping(0x2800, 0x4000).map(\.start), [0x2800, 0x3000])
    }

    func testMoveShiftsContents() {
        var m = IntervalMap<Int>()
        m.assign(0x1000, 0x2000, 1)
        m.assign(0x2000, 0x3000, 2)
        m.assign(0x9000, 0xA000, 3)
        m.move(from: 0x1000, length: 0x2000, to: 0x9000)
        XCTAssertEqual(m.entries, [Entry(start: 0x9000, end: 0xA000, value: 1), Entry(start: 0xA000, end: 0xB000, value: 2)])
    }

    func testEmptyRangesAreIgnored() {
        var m = IntervalMap<Int>()
        XCTAssertEqual(m.assign(0x2000, 0x2000, 1), [])
        XCTAssertEqual(m.remove(0x3000, 0x1000), [])
        XCTAssertTrue(m.isEmpty)
    }

    func testManySequentialRunsStayOneEntry() {
        var m = IntervalMap<Int>()
        for page in 0..<10_000 { m.assign(UInt64(page) * 4096, UInt64(page + 1) * 4096, 7) }
        XCTAssertEqual(m.entries.count, 1)
        XCTAssertEqual(m.total(), 10_000 * 4096)
    }
}

@testable import MemhoundAccounting
import MemhoundEvents
import XCTest

final class ProcessLedgerTests: XCTestCase {
    let grower = StackName.walked(1)
    let other = StackName.walked(2)
    let mapper = StackName.walked(3)
    let mib: UInt64 = 1 << 20
    let base: UInt64 = 0x7f00_0000_0000

    func run(_ start: UInt64, _ end: UInt64, _ stack: StackName, first: UInt64 = 10, last: UInt64 = 20) -> PageRun {
        PageRun(tgid: 1, tid: 1, start: start, end: end, firstTime: first, lastTime: last, stack: stack, faults: 1)
    }

    func call(_ s: MemorySyscall, _ args: [UInt64], result: Int64 = 0, stack: StackName? = nil,
              at time: UInt64 = 100, delta: Int64 = 0) -> SyscallEvent {
        SyscallEvent(syscall: s, tgid: 1, tid: 1, enterTime: time - 1, exitTime: time, stack: stack ?? mapper,
                     result: result, args: args + Array(repeating: 0, count: 6 - args.count), anonDelta: delta, anonBytes: 0)
    }

    func mmapAnon(_ addr: UInt64, _ length: UInt64, at time: UInt64 = 5) -> SyscallEvent {
        call(.mmap, [0, length, 3, 0x22, UInt64(bitPattern: -1), 0], result: Int64(addr), at: time)
    }

    func testMunmapChargesReleaseToTheGrowingStack() {
        var l = ProcessLedger(tgid: 1)
        l.apply(mmapAnon(base, 4 * mib))
        l.apply(run(base, base + 4 * mib, grower))
        XCTAssertEqual(l.mappings.total(), 4 * mib)
        l.apply(call(.munmap, [base, 4 * mib], delta: -Int64(4 * mib)))
        XCTAssertEqual(l.released[grower], 4 * mib)
        XCTAssertTrue(l.resident.isEmpty)
        XCTAssertTrue(l.mappings.isEmpty)
        XCTAssertEqual(l.unmatchedRelease, 0)
    }

    func testPartialUnmapReleasesOnlyThatPart() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + 4 * mib, grower))
        l.apply(call(.munmap, [base + mib, mib + 1]))  // length rounds up to pages
        XCTAssertEqual(l.released[grower], mib + 4096)
        XCTAssertEqual(l.resident.total(), 3 * mib - 4096)
    }

    func testRunArrivingAfterAReleaseOfItsPagesIsChargedAsReleased() {
        var l = ProcessLedger(tgid: 1)
        // Another thread unmapped the range at t=100; this thread's run (t=10..20) arrives late.
        l.apply(call(.munmap, [base, 2 * mib], at: 100))
        l.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        XCTAssertEqual(l.released[grower], 2 * mib)
        XCTAssertTrue(l.resident.isEmpty)
    }

    func testRunAfterAnOlderReleaseStaysResident() {
        var l = ProcessLedger(tgid: 1)
        l.apply(call(.munmap, [base, 2 * mib], at: 5))
        l.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        XCTAssertNil(l.released[grower])
        XCTAssertEqual(l.resident.total(), 2 * mib)
    }

    func testMremapMoveKeepsOwnerAndShrinkReleasesTail() {
        var l = ProcessLedger(tgid: 1)
        l.apply(mmapAnon(base, 4 * mib))
        l.apply(run(base, base + 4 * mib, grower))
        let moved = base + 64 * mib
        l.apply(call(.mremap, [base, 4 * mib, 3 * mib, 1], result: Int64(moved)))
        XCTAssertEqual(l.released[grower], mib)
        XCTAssertEqual(l.resident.entries.first?.start, moved)
        XCTAssertEqual(l.mappings.entries.first?.start, moved)
        XCTAssertEqual(l.mappings.total(), 3 * mib)
        l.apply(call(.munmap, [moved, 3 * mib]))
        XCTAssertEqual(l.released[grower], 4 * mib)
    }

    func testMremapGrowInPlaceExtendsMapping() {
        var l = ProcessLedger(tgid: 1)
        l.apply(mmapAnon(base, mib))
        l.apply(call(.mremap, [base, mib, 2 * mib, 0], result: Int64(base)))
        XCTAssertEqual(l.mappings.total(), 2 * mib)
    }

    func testBrkGrowsAndShrinksTheHeap() {
        var l = ProcessLedger(tgid: 1)
        let heap: UInt64 = 0x5555_0000_0000
        l.apply(call(.brk, [0], result: Int64(heap)))
        l.apply(call(.brk, [heap + 8 * mib], result: Int64(heap + 8 * mib)))
        XCTAssertEqual(l.mappings.total(), 8 * mib)
        l.apply(run(heap, heap + 8 * mib, grower))
        l.apply(call(.brk, [heap + 2 * mib], result: Int64(heap + 2 * mib)))
        XCTAssertEqual(l.released[grower], 6 * mib)
        XCTAssertEqual(l.mappings.total(), 2 * mib)
    }

    func testMadviseDontneedReleasesButFreeDoesNot() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + 4 * mib, grower))
        l.apply(call(.madvise, [base, mib, 8]))  // MADV_FREE
        XCTAssertNil(l.released[grower])
        l.apply(call(.madvise, [base, mib, 4]))  // MADV_DONTNEED
        XCTAssertEqual(l.released[grower], mib)
    }

    func testMapFixedOverResidentPagesReleasesThem() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + 2 * mib, grower))
        l.apply(call(.mmap, [base, 2 * mib, 0, 0x32, UInt64(bitPattern: -1), 0], result: Int64(base)))
        XCTAssertEqual(l.released[grower], 2 * mib)
        XCTAssertEqual(l.mappings.total { $0.prot != 0 }, 0, "PROT_NONE reservations are not live memory")
    }

    func testMprotectChangesProtection() {
        var l = ProcessLedger(tgid: 1)
        l.apply(call(.mmap, [0, 64 * mib, 0, 0x22, UInt64(bitPattern: -1), 0], result: Int64(base)))
        l.apply(call(.mprotect, [base, 2 * mib, 3]))
        XCTAssertEqual(l.mappings.total { $0.prot != 0 }, 2 * mib)
    }

    func testReleaseOfMemoryFromBeforeTracingIsUnowned() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + mib, grower))
        l.apply(call(.munmap, [base, 8 * mib], delta: -Int64(5 * mib)))
        XCTAssertEqual(l.released[grower], mib)
        XCTAssertEqual(l.unmatchedRelease, 4 * mib)
    }

    func testPagesResidentAgainWithoutSeenReleaseMoveToTheNewOwner() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + mib, grower))
        l.apply(run(base, base + mib, other))
        XCTAssertEqual(l.released[grower], mib)
        XCTAssertEqual(l.reclaimedUnseen, mib)
        XCTAssertEqual(l.resident.entries.first?.value.stack, other)
    }

    func testFailedCallsAndExitedProcessesChangeNothing() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + mib, grower))
        l.apply(call(.munmap, [base, mib], result: -22))
        XCTAssertEqual(l.resident.total(), mib)
        l.markExited()
        l.apply(call(.munmap, [base, mib]))
        XCTAssertEqual(l.resident.total(), mib)
    }

    /// A munmap taken late from the overflow table after the exit record still counts when it
    /// was made before the exit; what comes from after the exit (teardown) does not.
    func testRecordsMadeBeforeTheExitCountWhenTheyArriveAfterIt() {
        var l = ProcessLedger(tgid: 1)
        l.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        l.markExited(at: 500)
        var late = call(.munmap, [base, mib], at: 400, delta: -Int64(mib))
        late.late = true
        l.apply(late)
        XCTAssertEqual(l.released[grower], mib, "made before the exit")
        l.apply(call(.munmap, [base + mib, mib], at: 600, delta: -Int64(mib)))
        XCTAssertEqual(l.released[grower], mib, "made after the exit")
        l.apply(run(base + 4 * mib, base + 5 * mib, grower, first: 550, last: 560))
        XCTAssertEqual(l.resident.total(), mib)
    }

    func testIncompleteStacksChargeTheRegionCreator() {
        var l = ProcessLedger(tgid: 1)
        l.apply(mmapAnon(base, 4 * mib))                       // created by `mapper`
        l.apply(run(base, base + 2 * mib, grower), chargeRegionCreator: true)
        l.apply(run(base + 8 * mib, base + 9 * mib, grower), chargeRegionCreator: true)  // outside any mapping
        XCTAssertEqual(l.recharged[grower], -Int64(2 * mib))
        XCTAssertEqual(l.recharged[mapper], Int64(2 * mib))
        l.apply(call(.munmap, [base, 4 * mib]))
        XCTAssertEqual(l.released[mapper], 2 * mib, "the creator now owns and releases those pages")
        XCTAssertNil(l.released[grower])
    }

    func testSharedHeapsKeepTheFaultingStack() {
        var l = ProcessLedger(tgid: 1)
        let heap: UInt64 = 0x5555_0000_0000
        l.apply(call(.brk, [0], result: Int64(heap)))
        l.apply(call(.brk, [heap + 8 * mib], result: Int64(heap + 8 * mib)))
        l.apply(run(heap, heap + mib, grower), chargeRegionCreator: true)
        l.apply(call(.mmap, [0, 64 * mib, 0, 0x22, UInt64(bitPattern: -1), 0], result: Int64(base)))
        l.apply(call(.mprotect, [base, 2 * mib, 3]))
        l.apply(run(base, base + mib, grower, first: 200, last: 210), chargeRegionCreator: true)
        XCTAssertTrue(l.recharged.isEmpty, "brk heaps and PROT_NONE reservations are shared: \(l.recharged)")
        XCTAssertEqual(l.resident.total { $0.stack == grower }, 2 * mib)
    }

    func testCompleteStacksKeepTheirGrowth() {
        var l = ProcessLedger(tgid: 1)
        l.apply(mmapAnon(base, 4 * mib))
        l.apply(run(base, base + 2 * mib, grower))
        XCTAssertTrue(l.recharged.isEmpty)
        XCTAssertEqual(l.resident.entries.first?.value.stack, grower)
    }

    func testSampledPagesReleaseTheirWeight() {
        var l = ProcessLedger(tgid: 1, pageWeight: 16)
        // One located page stands for 16: releasing it releases 16 pages' worth.
        l.apply(run(base, base + 4096, grower))
        l.apply(call(.munmap, [base, mib], delta: -Int64(16 * 4096)))
        XCTAssertEqual(l.released[grower], 16 * 4096)
        XCTAssertEqual(l.unmatchedRelease, 0)
        XCTAssertEqual(Accounting(sampleEvery: 8).sampleEvery, 8)
        XCTAssertEqual(Accounting(sampleEvery: 0).sampleEvery, 1)
    }

    func testExecStartsAFreshAddressSpace() {
        var a = Accounting()
        a.apply(.pages(run(base, base + mib, grower)))
        a.apply(.process(ProcessEvent(kind: .exec, tgid: 1, time: 30, parentTgid: 0, exitStatus: 0, anonBytes: 0, comm: "x")))
        XCTAssertEqual(a.processes[1]?.resident.isEmpty, true)
        a.apply(.process(ProcessEvent(kind: .fork, tgid: 9, time: 31, parentTgid: 1, exitStatus: 0, anonBytes: 0, comm: "x")))
        XCTAssertNotNil(a.processes[9])
    }
}

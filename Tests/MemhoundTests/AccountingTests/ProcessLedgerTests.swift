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

    /// A growing array moved by mremap (realloc) at t=100, then unmapped at t=200 (free); the run that
    /// faulted it at its old place (t=10..20) reaches us only after both, taken late from the overflow
    /// table. Its pages followed the move, and the munmap released them: none stays at either place.
    func testRunArrivingAfterAMoveOfItsPagesFollowsThem() {
        var l = ProcessLedger(tgid: 1)
        let moved = base + 64 * mib
        l.apply(mmapAnon(base, 2 * mib))
        l.apply(call(.mremap, [base, 2 * mib, 4 * mib, 1], result: Int64(moved), at: 100))
        l.apply(call(.munmap, [moved, 4 * mib], at: 200, delta: -Int64(2 * mib)))
        l.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        XCTAssertEqual(l.released[grower], 2 * mib)
        XCTAssertTrue(l.resident.isEmpty, "\(l.resident.entries)")
        // Before the munmap, the late run's pages are resident at the new place.
        var before = ProcessLedger(tgid: 1)
        before.apply(mmapAnon(base, 2 * mib))
        before.apply(call(.mremap, [base, 2 * mib, 4 * mib, 1], result: Int64(moved), at: 100))
        before.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        XCTAssertEqual(before.resident.total(), 2 * mib)
        XCTAssertEqual(before.resident.overlapping(moved, moved + 2 * mib).map(\.length).reduce(0, +), 2 * mib)
    }

    /// The mremap that moved the array comes late, after a newer run at the new place and the munmap
    /// that freed it: the pages faulted at the old place before the move are released with the rest.
    func testLateMremapMovesThePagesMadeResidentBeforeIt() {
        var l = ProcessLedger(tgid: 1)
        let moved = base + 64 * mib
        l.apply(mmapAnon(base, 2 * mib))
        l.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        l.apply(run(moved + 2 * mib, moved + 3 * mib, other, first: 150, last: 160))
        var remap = call(.mremap, [base, 2 * mib, 4 * mib, 1], result: Int64(moved), at: 100)
        remap.late = true
        l.apply(remap)
        XCTAssertEqual(l.resident.overlapping(moved, moved + 3 * mib).map(\.length).reduce(0, +), 3 * mib)
        XCTAssertTrue(l.resident.overlapping(base, base + 2 * mib).isEmpty)
        XCTAssertEqual(l.mappings.overlapping(moved, moved + 4 * mib).map(\.length).reduce(0, +), 4 * mib)
        l.apply(call(.munmap, [moved, 4 * mib], at: 200, delta: -Int64(3 * mib)))
        XCTAssertEqual(l.released[grower], 2 * mib)
        XCTAssertEqual(l.released[other], mib)
        XCTAssertTrue(l.resident.isEmpty)
        XCTAssertEqual(l.unmatchedRelease, 0)
    }

    /// The same, with the munmap handled before the late mremap (it found nothing at the new place):
    /// the moved pages meet that release at their new place.
    func testLateMremapMeetsTheNewerMunmapAtTheNewPlace() {
        var l = ProcessLedger(tgid: 1)
        let moved = base + 64 * mib
        l.apply(mmapAnon(base, 2 * mib))
        l.apply(run(base, base + 2 * mib, grower, first: 10, last: 20))
        l.apply(call(.munmap, [moved, 4 * mib], at: 200, delta: -Int64(2 * mib)))
        XCTAssertEqual(l.unmatchedRelease, 2 * mib)
        var remap = call(.mremap, [base, 2 * mib, 4 * mib, 1], result: Int64(moved), at: 100)
        remap.late = true
        l.apply(remap)
        XCTAssertEqual(l.released[grower], 2 * mib)
        XCTAssertTrue(l.resident.isEmpty, "\(l.resident.entries)")
        XCTAssertTrue(l.mappings.isEmpty, "\(l.mappings.entries)")
        XCTAssertEqual(l.unmatchedRelease, 0)
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

    /// glibc trimming its heap while the ring buffer is full: the shrinking calls come late, after newer
    /// records. Each says where the break was before it (args[1]), so what it released is released, pages
    /// made resident after it stay, and a late call does not move the break back.
    func testLateBrkCallsReleaseWhatTheyShrank() {
        var l = ProcessLedger(tgid: 1)
        let heap: UInt64 = 0x5555_0000_0000
        l.apply(call(.brk, [heap + 8 * mib, heap], result: Int64(heap + 8 * mib), at: 5))
        l.apply(run(heap, heap + 8 * mib, grower, first: 10, last: 20))
        // Trimmed to 6 MiB at t=100, then to 2 MiB at t=200; both delivered after a run of t=300 that
        // faulted 1 MiB again above 2 MiB (the heap regrown at t=250, in order).
        l.apply(call(.brk, [heap + 3 * mib, heap + 2 * mib], result: Int64(heap + 3 * mib), at: 250))
        l.apply(run(heap + 2 * mib, heap + 3 * mib, other, first: 300, last: 300))
        var first = call(.brk, [heap + 6 * mib, heap + 8 * mib], result: Int64(heap + 6 * mib), at: 100,
                         delta: -Int64(2 * mib))
        first.late = true
        var second = call(.brk, [heap + 2 * mib, heap + 6 * mib], result: Int64(heap + 2 * mib), at: 200,
                          delta: -Int64(4 * mib))
        second.late = true
        l.apply(first)
        l.apply(second)
        XCTAssertEqual(l.released[grower], 6 * mib, "both trims released the grower's pages")
        XCTAssertNil(l.released[other], "the page faulted after the trims stays")
        XCTAssertEqual(l.resident.total(), 3 * mib)
        // The break is the in-order call's (t=250): the next call moves it from there.
        l.apply(call(.brk, [heap + 1 * mib, 0], result: Int64(heap + 1 * mib), at: 400, delta: -Int64(2 * mib)))
        XCTAssertEqual(l.released[other], mib)
        XCTAssertEqual(l.resident.total(), mib)
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

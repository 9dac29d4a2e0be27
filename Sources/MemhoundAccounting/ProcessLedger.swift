import MemhoundEvents

/// Who created a live anonymous mapping, when, and with what protection.
public struct MappingOwner: Equatable, Sendable {
    public var stack: StackName
    public var created: UInt64
    public var prot: UInt32
    /// A heap shared by many callers (brk, or a PROT_NONE reservation made
    /// usable later, as malloc arenas and Go arenas are): its creator did not
    /// ask for what grows in it.
    public var sharedHeap: Bool
    /// Mapped as a thread stack (MAP_STACK or MAP_GROWSDOWN).
    public var threadStack: Bool

    public init(stack: StackName, created: UInt64, prot: UInt32, sharedHeap: Bool = false, threadStack: Bool = false) {
        self.stack = stack
        self.created = created
        self.prot = prot
        self.sharedHeap = sharedHeap
        self.threadStack = threadStack
    }
}

/// One process's address space as far as anonymous memory goes: which stack
/// made each resident page range, which stack created each live anonymous
/// mapping, and how much of each stack's growth was released again.
public struct ProcessLedger: Sendable {
    public let tgid: Int32
    /// Resident page ranges -> the stack whose fault made them resident, and their kind.
    public private(set) var resident = IntervalMap<ResidentOwner>()
    /// Live private anonymous mappings (and brk heap) -> their creator.
    public private(set) var mappings = IntervalMap<MappingOwner>()
    /// Bytes of each stack's growth that were released again.
    public private(set) var released: [StackName: UInt64] = [:]
    /// Growth moved between stacks: from incomplete fault stacks (negative) to
    /// the stacks that created the regions it happened in (positive).
    public private(set) var recharged: [StackName: Int64] = [:]
    /// Released bytes that no traced growth owned (memory from before tracing).
    public private(set) var unmatchedRelease: UInt64 = 0
    /// Owned pages that became resident again without a release being seen.
    public private(set) var reclaimedUnseen: UInt64 = 0
    /// Pages of runs that came too late to be placed (see record), by stack: like the
    /// kernel's unlocated growth, no release can be charged against them.
    public private(set) var unlocated: [StackName: UInt64] = [:]
    /// Releases and moves up to this time were dropped from `recentChanges`.
    private var forgottenReleasesUntil: UInt64 = 0
    public private(set) var exited = false
    /// When the process exited (its exit record's time): records made before it still count,
    /// even when they arrive after it (taken late from the overflow table).
    private var exitTime = UInt64.max

    private var brkEnd: UInt64?
    /// When the call that left brkEnd returned (a late call older than it does not move it).
    private var brkTime: UInt64 = 0
    /// A release of [start, end), or its move to `movedTo` (mremap).
    private struct RecentChange {
        var start: UInt64
        var end: UInt64
        var time: UInt64
        var movedTo: UInt64?
    }
    /// Releases and moves of the last few seconds, for runs that reach us after them.
    /// In time order (they arrive in order); the oldest are dropped from the front.
    private var recentChanges: [RecentChange] = []
    private var recentStart = 0
    private static let recentCapacity = 1 << 16
    private static let recentWindowNs: UInt64 = 10_000_000_000

    /// With sampling (one ANON increment in N), each located page stands for N:
    /// what is released of them is counted N times too, keeping net bytes unbiased.
    public let pageWeight: UInt64

    /// Stacks that own a resident page or a live mapping here.
    public var owningStacks: Set<StackName> {
        var owners = Set(resident.entries.map(\.value.stack))
        owners.formUnion(mappings.entries.map(\.value.stack))
        return owners
    }

    /// Net bytes charged to a stack: its growth (as the kernel counted it), moved growth, less releases.
    public func net(_ stack: StackName, grown: UInt64) -> Int64 {
        Int64(grown) + (recharged[stack] ?? 0) - Int64(released[stack] ?? 0)
    }

    /// Drops the counters of stacks whose memory is all gone (see Session+Retire).
    public mutating func forget(stacks: Set<StackName>) {
        released = released.filter { !stacks.contains($0.key) }
        unlocated = unlocated.filter { !stacks.contains($0.key) }
        recharged = recharged.filter { !stacks.contains($0.key) }
    }

    public init(tgid: Int32, pageWeight: UInt64 = 1) {
        self.tgid = tgid
        self.pageWeight = max(1, pageWeight)
    }

    /// Records pages a stack made resident. With `chargeRegionCreator` (the
    /// stack is incomplete: code without frame pointers), pages inside a private
    /// anonymous mapping are charged to the (CFI-unwound) stack that created it
    /// instead; pages in shared heaps (brk, reservations) stay with the stack.
    /// `regionOwner` names the stack to charge for a region (default: its creator).
    public mutating func apply(_ run: PageRun, chargeRegionCreator: Bool = false,
                               category: MemoryCategory = .other,
                               regionOwner: (MappingOwner) -> StackName = { $0.stack }) {
        guard run.lastTime <= exitTime, run.start < run.end else { return }
        for piece in owners(of: run, chargeRegionCreator: chargeRegionCreator, regionOwner: regionOwner) {
            if piece.owner != run.stack {
                recharged[run.stack, default: 0] -= Int64(piece.end - piece.start)
                recharged[piece.owner, default: 0] += Int64(piece.end - piece.start)
            }
            record(piece.start, piece.end,
                   owner: ResidentOwner(stack: piece.owner, category: category, since: run.firstTime),
                   since: run.firstTime)
        }
    }

    private func owners(of run: PageRun, chargeRegionCreator: Bool,
                        regionOwner: (MappingOwner) -> StackName) -> [(start: UInt64, end: UInt64, owner: StackName)] {
        guard chargeRegionCreator else { return [(run.start, run.end, run.stack)] }
        var pieces: [(start: UInt64, end: UInt64, owner: StackName)] = []
        var cursor = run.start
        for m in mappings.overlapping(run.start, run.end) where !m.value.sharedHeap {
            if cursor < m.start { pieces.append((cursor, m.start, run.stack)) }
            pieces.append((m.start, m.end, regionOwner(m.value)))
            cursor = m.end
        }
        if cursor < run.end { pieces.append((cursor, run.end, run.stack)) }
        return pieces
    }

    private mutating func record(_ start: UInt64, _ end: UInt64, owner: ResidentOwner, since firstTime: UInt64) {
        // Older than the releases and moves still remembered: a forgotten one may have freed or moved it.
        // Its pages cannot be placed; the site's figure is uncertain by them instead.
        if firstTime < forgottenReleasesUntil {
            unlocated[owner.stack, default: 0] += (end - start) * pageWeight
            return
        }
        // A run is flushed lazily, or taken late from the overflow table: pages of it may have been
        // released (those are gone: charged as released) or moved by mremap (they are where they went)
        // before it reached us. Changes newer than the run, oldest first: a move then a release of the
        // moved pages must find them at their new place.
        var pending = [(start, end)]
        for r in changes(after: firstTime) where pending.contains(where: { r.start < $0.1 && $0.0 < r.end }) {
            pending = pending.flatMap { piece -> [(UInt64, UInt64)] in
                let lo = max(piece.0, r.start), hi = min(piece.1, r.end)
                guard lo < hi else { return [piece] }
                var rest = [(piece.0, lo), (hi, piece.1)].filter { $0.0 < $0.1 }
                if let to = r.movedTo {
                    rest.append((lo - r.start + to, hi - r.start + to))
                } else {
                    released[owner.stack, default: 0] += (hi - lo) * pageWeight
                    // That release found no owner when it came: it is charged now.
                    unmatchedRelease -= min(unmatchedRelease, (hi - lo) * pageWeight)
                }
                return rest
            }
        }
        for (lo, hi) in pending {
            for old in resident.assign(lo, hi, owner) {
                released[old.value.stack, default: 0] += old.length * pageWeight
                reclaimedUnseen += old.length * pageWeight
            }
        }
    }

    public mutating func apply(_ e: SyscallEvent) {
        guard e.exitTime <= exitTime, !e.failed else { return }
        if e.late {
            applyLate(e)
            return
        }
        let a = e.args
        switch e.syscall {
        case .mmap:
            let start = UInt64(bitPattern: e.result), end = start + pageAlign(a[1])
            // MAP_FIXED over an existing mapping discards what was there.
            release(start, end, at: e.exitTime, measured: e.unchargedDelta)
            if a[3] & Mman.anonymous != 0 && a[3] & Mman.shared == 0 {
                let prot = UInt32(truncatingIfNeeded: a[2])
                mappings.assign(start, end, MappingOwner(stack: e.stack, created: e.exitTime, prot: prot,
                                                         sharedHeap: prot == 0,
                                                         threadStack: a[3] & Mman.stackFlags != 0))
            } else {
                mappings.remove(start, end)
            }
        case .munmap:
            let end = a[0] + pageAlign(a[1])
            release(a[0], end, at: e.exitTime, measured: e.unchargedDelta)
            mappings.remove(a[0], end)
        case .mremap:
            remap(e)
        case .brk:
            moveBreak(e)
        case .madvise:
            if Mman.discardingAdvice.contains(a[2]) {
                release(a[0], a[0] + pageAlign(a[1]), at: e.exitTime, measured: e.unchargedDelta)
            }
        case .mprotect:
            let prot = UInt32(truncatingIfNeeded: a[2])
            mappings.update(a[0], a[0] + pageAlign(a[1])) { var o = $0; o.prot = prot; return o }
        }
    }

    /// A call applied after newer records (the ring buffer was full): releases
    /// and moves spare pages made resident after the call and mappings created after it.
    /// What it measured beyond the pages it finds counts as unowned, as for any
    /// release: some of those pages may have been charged already when a newer
    /// run replaced them, which can only make the reported bounds wider.
    private mutating func applyLate(_ e: SyscallEvent) {
        let a = e.args, time = e.exitTime
        switch e.syscall {
        case .mmap:
            let start = UInt64(bitPattern: e.result), end = start + pageAlign(a[1])
            if a[3] & Mman.anonymous != 0 && a[3] & Mman.shared == 0,
               mappings.overlapping(start, end).allSatisfy({ $0.value.created <= time }) {
                releaseLate(e, start, end)
                let prot = UInt32(truncatingIfNeeded: a[2])
                mappings.assign(start, end, MappingOwner(stack: e.stack, created: time, prot: prot,
                                                         sharedHeap: prot == 0,
                                                         threadStack: a[3] & Mman.stackFlags != 0))
            }
        case .munmap:
            releaseLate(e, a[0], a[0] + pageAlign(a[1]))
        case .madvise where Mman.discardingAdvice.contains(a[2]):
            releaseLate(e, a[0], a[0] + pageAlign(a[1]))
        case .brk where a[1] != 0:
            // The record says where the break was before the call.
            let newEnd = UInt64(bitPattern: e.result), oldEnd = a[1]
            if newEnd < oldEnd {
                releaseLate(e, newEnd, oldEnd)
            } else if newEnd > oldEnd, mappings.overlapping(oldEnd, newEnd).allSatisfy({ $0.value.created <= time }) {
                mappings.assign(oldEnd, newEnd, MappingOwner(stack: e.stack, created: time,
                                                             prot: Mman.protReadWrite, sharedHeap: true))
            }
            if time >= brkTime { (brkEnd, brkTime) = (newEnd, time) }
        case .mremap:
            remapLate(e)
        case .brk, .madvise, .mprotect:
            // Protections cannot be replayed out of order, nor a break without its previous end:
            // pages such a call released stay charged until a newer run replaces them.
            break
        }
    }

    /// The process exited at `time`; records made after it (teardown) are ignored.
    public mutating func markExited(at time: UInt64 = 0) {
        exited = true
        exitTime = min(exitTime, time)
    }

    /// A new program image: nothing of the old address space, or of its accounts, remains.
    public mutating func resetForExec() {
        resident = IntervalMap()
        mappings = IntervalMap()
        released = [:]
        recharged = [:]
        unlocated = [:]
        unmatchedRelease = 0
        reclaimedUnseen = 0
        forgottenReleasesUntil = 0
        brkEnd = nil
        brkTime = 0
        recentChanges = []
        recentStart = 0
    }

    private mutating func release(_ start: UInt64, _ end: UInt64, at time: UInt64, measured: Int64) {
        var owned: UInt64 = 0
        for piece in resident.remove(start, end) {
            released[piece.value.stack, default: 0] += piece.length * pageWeight
            owned += piece.length * pageWeight
        }
        if measured < 0, UInt64(-measured) > owned { unmatchedRelease += UInt64(-measured) - owned }
        appendRecentRelease(start, end, at: time)
    }

    /// The remembered releases and moves newer than `time`, oldest first.
    private func changes(after time: UInt64) -> [RecentChange] {
        var newer: [RecentChange] = []
        for r in recentChanges[recentStart...].reversed() {
            if r.time <= time { break }
            newer.append(r)
        }
        return newer.reversed()
    }

    private mutating func appendRecentRelease(_ start: UInt64, _ end: UInt64, at time: UInt64) {
        appendRecentChange(RecentChange(start: start, end: end, time: time))
    }

    private mutating func appendRecentChange(_ change: RecentChange) {
        while recentStart < recentChanges.count,
              recentChanges[recentStart].time + Self.recentWindowNs < change.time
                || recentChanges.count - recentStart >= Self.recentCapacity {
            forgottenReleasesUntil = max(forgottenReleasesUntil, recentChanges[recentStart].time)
            recentStart += 1
        }
        if recentStart > 4096 && recentStart * 2 > recentChanges.count {
            recentChanges.removeFirst(recentStart)
            recentStart = 0
        }
        // Late releases go in time order too.
        var at = recentChanges.count
        while at > recentStart, recentChanges[at - 1].time > change.time { at -= 1 }
        recentChanges.insert(change, at: at)
    }

    private mutating func remap(_ e: SyscallEvent) {
        let old = e.args[0], oldLength = pageAlign(e.args[1]), newLength = pageAlign(e.args[2])
        let new = UInt64(bitPattern: e.result)
        if newLength < oldLength {
            release(old + newLength, old + oldLength, at: e.exitTime, measured: e.unchargedDelta)
            mappings.remove(old + newLength, old + oldLength)
        }
        let kept = min(oldLength, newLength)
        if new != old {
            resident.move(from: old, length: kept, to: new)
            mappings.move(from: old, length: kept, to: new)
            appendRecentChange(RecentChange(start: old, end: old + kept, time: e.exitTime, movedTo: new))
        }
        if newLength > oldLength, let grown = mappings.overlapping(new, new + kept).last?.value {
            mappings.assign(new + kept, new + newLength, grown)
        }
    }

    /// What late call e released in [start, end): pages made resident and mappings created before it.
    private mutating func releaseLate(_ e: SyscallEvent, _ start: UInt64, _ end: UInt64) {
        let time = e.exitTime
        var owned: UInt64 = 0
        for piece in resident.overlapping(start, end) where piece.value.since <= time {
            resident.remove(piece.start, piece.end)
            released[piece.value.stack, default: 0] += piece.length * pageWeight
            owned += piece.length * pageWeight
        }
        if e.unchargedDelta < 0, UInt64(-e.unchargedDelta) > owned { unmatchedRelease += UInt64(-e.unchargedDelta) - owned }
        for m in mappings.overlapping(start, end) where m.value.created <= time {
            mappings.remove(m.start, m.end)
        }
        appendRecentRelease(start, end, at: time)
    }

    /// An mremap handled after newer records: what was there before the call moves (pages made
    /// resident and mappings created before it); what came there after it belongs to later calls.
    private mutating func remapLate(_ e: SyscallEvent) {
        let old = e.args[0], oldLength = pageAlign(e.args[1]), newLength = pageAlign(e.args[2])
        let new = UInt64(bitPattern: e.result), time = e.exitTime
        if newLength < oldLength { releaseLate(e, old + newLength, old + oldLength) }
        let kept = min(oldLength, newLength)
        // A mapping placed now: what a newer call released (a munmap handled already) stays released.
        let newerReleases = changes(after: time).filter { $0.movedTo == nil }
        func place(_ start: UInt64, _ end: UInt64, _ owner: MappingOwner) {
            mappings.assign(start, end, owner)
            for r in newerReleases { mappings.remove(max(start, r.start), min(end, r.end)) }
        }
        var grown: MappingOwner?
        if new != old {
            let pages = resident.overlapping(old, old + kept).filter { $0.value.since <= time }
            let regions = mappings.overlapping(old, old + kept).filter { $0.value.created <= time }
            for p in pages { resident.remove(p.start, p.end) }
            for m in regions { mappings.remove(m.start, m.end) }
            // At their new place, what came after the call applies to them.
            for p in pages { record(p.start - old + new, p.end - old + new, owner: p.value, since: time) }
            for m in regions { place(m.start - old + new, m.end - old + new, m.value) }
            appendRecentChange(RecentChange(start: old, end: old + kept, time: time, movedTo: new))
            grown = regions.last?.value
        } else {
            grown = mappings.overlapping(old, old + kept).last { $0.value.created <= time }?.value
        }
        if newLength > oldLength, let grown,
           mappings.overlapping(new + kept, new + newLength).allSatisfy({ $0.value.created <= time }) {
            place(new + kept, new + newLength, grown)
        }
    }

    private mutating func moveBreak(_ e: SyscallEvent) {
        let newEnd = UInt64(bitPattern: e.result)
        defer { if e.exitTime >= brkTime { (brkEnd, brkTime) = (newEnd, e.exitTime) } }
        // The kernel's break before the call (args[1]); else the end the last call left.
        guard let oldEnd = e.args[1] != 0 ? e.args[1] : brkEnd else { return }
        if newEnd > oldEnd {
            mappings.assign(oldEnd, newEnd, MappingOwner(stack: e.stack, created: e.exitTime,
                                                         prot: Mman.protReadWrite, sharedHeap: true))
        } else if newEnd < oldEnd {
            release(newEnd, oldEnd, at: e.exitTime, measured: e.unchargedDelta)
            mappings.remove(newEnd, oldEnd)
        }
    }
}

/// The Linux x86_64 constants the ledger needs.
enum Mman {
    static let shared: UInt64 = 0x01
    static let anonymous: UInt64 = 0x20
    /// MAP_GROWSDOWN | MAP_STACK.
    static let stackFlags: UInt64 = 0x100 | 0x20000
    static let protReadWrite: UInt32 = 0x3
    /// MADV_DONTNEED, MADV_REMOVE, MADV_DONTNEED_LOCKED drop pages at once.
    /// MADV_FREE does not lower RssAnon until reclaim, so it releases nothing here.
    static let discardingAdvice: Set<UInt64> = [4, 9, 24]
}

@inline(__always)
func pageAlign(_ length: UInt64) -> UInt64 { (length &+ 4095) & ~4095 }

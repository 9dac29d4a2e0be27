import MemhoundABI
import CMemhoundBPF
import MemhoundEvents

/// Recycling the kernel's stack tables (MH_STACK_EPOCH_SHIFT in memhound.h, MemhoundABI).
///
/// A set of tables is recycled when its second table has used a quarter of
/// its slots: collisions grow with the square of the stacks held, so the first
/// table is then a third full, and the set has room for as many stacks again
/// while user space is busy (a report). The kernel is moved to the other,
/// empty set (a new epoch); after a grace period, when
/// no program can still be walking into the old set, every stack of the old
/// set is named, its sites' growth moves to user space, and the set is emptied
/// for the epoch after next. Growth is never dropped: only the kernel's copy
/// of a stack goes, and its name and counts stay in user space.
extension Tracer {
    /// Longer than any BPF program runs; the old set is still read after it.
    static let recycleGraceNs: UInt64 = 50_000_000
    /// At most one flip a second: a target making new stacks faster than user
    /// space names them would otherwise keep the consumer behind the ring buffer.
    static let minFlipIntervalNs: UInt64 = 1_000_000_000

    /// Stacks one set holds (its table and its second table).
    public var stacksPerSet: Int { Int(stackTableEntries + memhound_tracer_collided_capacity(handle)) }

    /// Names user space keeps at most: three sets' worth. Names whose memory is
    /// all gone are retired to make room (Session+Retire); when that is not
    /// enough, sets are not recycled and new stacks are counted in lost.stacks.
    public var nameLimit: Int { 3 * stacksPerSet }

    /// Stacks user space knows by name.
    public var namedStacks: Int { names.count }
    /// Whether the names leave too little room for another set's worth (recycling waits).
    public var nameBudgetIsShort: Bool { names.count + stacksPerSet > nameLimit }
    public var allNames: Set<StackName> { Set(names.frames.keys) }

    /// Names the kernel's current or not yet emptied set still counts growth for.
    public var liveNames: Set<StackName> { names.liveNames }

    /// Forgets names whose memory is all gone: their frames, their recycled
    /// growth. A later record naming one through an old kernel id is expired.
    public func retire(_ retired: Set<StackName>) {
        guard !retired.isEmpty else { return }
        names.forget(retired)
        recycledGrowth = recycledGrowth.filter { !retired.contains($0.key.stack) }
        retiredNames += UInt64(retired.count)
    }

    /// Whether the set in use is full enough to be recycled.
    public var stackSetIsFilling: Bool {
        let epoch = memhound_tracer_stack_epoch(handle)
        let used = memhound_tracer_collided_used(handle, epoch & 1)
        let unwound = min(memhound_tracer_unwound_used(handle, epoch & 1), used)
        let capacity = memhound_tracer_collided_capacity(handle)
        // Collisions: a quarter of their share (a quarter of the first table's size) used.
        // Stacks unwound with tables: half of all the room.
        return (used - unwound) * 16 >= stackTableEntries || used * 2 >= capacity
    }

    /// Stacks each set holds before the second table takes collisions.
    public var stackTableEntries: UInt32 { memhound_tracer_stack_table_entries(handle) }

    /// Kernel stack ids that named a stack no longer known (a record held across recycles).
    public var expiredStackIDs: UInt64 { names.expired }

    /// Moves to the other set of stack tables when this one is a third full, and
    /// empties the old set once the grace period is over. Call it often.
    public func recycleStackTables(nowNs: UInt64) throws(KernelError) {
        if let retiring {
            guard nowNs >= retiring.sinceNs + Self.recycleGraceNs else { return }
            try empty(epoch: retiring.epoch, nowNs: nowNs)
            self.retiring = nil
            return
        }
        guard stackSetIsFilling, nowNs >= lastFlipNs + Self.minFlipIntervalNs, !nameBudgetIsShort else { return }
        let epoch = memhound_tracer_stack_epoch(handle)
        let next = (epoch + 1) % UInt32(MH_STACK_EPOCHS)
        lastFlipNs = nowNs
        names.advance(to: next, nowNs: nowNs)
        memhound_tracer_set_stack_epoch(handle, next)
        retiring = (epoch, nowNs)
    }

    /// Names every stack of the epoch's set, moves its sites to user space, empties the set.
    private func empty(epoch: UInt32, nowNs: UInt64) throws(KernelError) {
        let set = epoch & 1
        var ids = [UInt32](repeating: 0, count: stacksPerSet)
        let n = ids.withUnsafeMutableBufferPointer {
            memhound_tracer_stack_ids(handle, set, $0.baseAddress, UInt32($0.count))
        }
        guard n >= 0 else { throw KernelError(step: .readMap("stacks"), errno: -n) }
        for slot in ids.prefix(Int(n)) {
            _ = name(KernelStackID(epoch: epoch, slot: slot))
        }
        names.seal(epoch, nowNs: nowNs)
        for entry in try kernelStackGrowth() where entry.stack.isCaptured && entry.stack.epoch == epoch {
            recycledGrowth[ProcessStack(tgid: nsPid(entry.hostTgid), stack: name(entry.stack)), default: .zero].add(entry.growth)
            var raw = memhound_stack_key(tgid: entry.hostTgid, stack_id: entry.stack.raw)
            _ = memhound_tracer_delete_stack_growth(handle, &raw)
        }
        let emptied = memhound_tracer_empty_stack_set(handle, set)
        guard emptied >= 0 else { throw KernelError(step: .readMap("stacks"), errno: -emptied) }
        recycledSets += 1
    }

    /// The session-long name of kernel stack `id`.
    func name(_ id: KernelStackID) -> StackName {
        names.name(id) { id in
            var frames = [UInt64](repeating: 0, count: Int(MH_MAX_STACK_DEPTH))
            var flags: UInt32 = 0
            let n = frames.withUnsafeMutableBufferPointer {
                memhound_tracer_read_stack(handle, id.raw, $0.baseAddress, UInt32($0.count), &flags)
            }
            return n > 0 ? KernelStack(frames: Array(frames.prefix(Int(n))), flags: flags) : nil
        }
    }

    /// A record with its stack ids named and its pids as memhound sees them (PidTranslation).
    func named(_ record: Record) -> Record {
        let ns = { (tgid: Int32) in self.nsPid(UInt32(bitPattern: tgid)) }
        switch record {
        case var .syscall(e):
            e.stack = name(e.kernelStack)
            e.tgid = ns(e.tgid)
            return .syscall(e)
        case var .pages(r):
            r.stack = name(r.kernelStack)
            r.tgid = ns(r.tgid)
            return .pages(r)
        case var .process(p):
            if p.nsTgid > 0 { pids.learn(host: UInt32(bitPattern: p.tgid), ns: p.nsTgid) }
            p.tgid = ns(p.tgid)
            p.parentTgid = ns(p.parentTgid)
            return .process(p)
        case var .stackCopy(s):
            s.tgid = ns(s.tgid)
            return .stackCopy(s)
        case var .tcpRetransmit(r):
            r.tgid = ns(r.tgid)
            return .tcpRetransmit(r)
        case var .oomKill(k):
            k.tgid = ns(k.tgid)
            return .oomKill(k)
        }
    }
}

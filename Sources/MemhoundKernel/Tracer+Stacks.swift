import CMemhound
import MemhoundEvents

/// Recycling the kernel's stack tables (MH_STACK_EPOCH_SHIFT in bpf/memhound.h).
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
        let epoch = memhound_tracer_stack_epoch(handle)
        let capacity = memhound_tracer_collided_capacity(handle)
        guard memhound_tracer_collided_used(handle, epoch & 1) * 4 >= capacity else { return }
        let next = (epoch + 1) % UInt32(MH_STACK_EPOCHS)
        names.advance(to: next, nowNs: nowNs)
        memhound_tracer_set_stack_epoch(handle, next)
        retiring = (epoch, nowNs)
    }

    /// Names every stack of the epoch's set, moves its sites to user space, empties the set.
    private func empty(epoch: UInt32, nowNs: UInt64) throws(KernelError) {
        let set = epoch & 1
        var ids = [UInt32](repeating: 0, count: Int(stackTableEntries + memhound_tracer_collided_capacity(handle)))
        let n = ids.withUnsafeMutableBufferPointer {
            memhound_tracer_stack_ids(handle, set, $0.baseAddress, UInt32($0.count))
        }
        guard n >= 0 else { throw KernelError(step: .readMap("stacks"), errno: -n) }
        for raw in ids.prefix(Int(n)) {
            _ = name(Int32(bitPattern: raw | epoch << UInt32(MH_STACK_EPOCH_SHIFT)))
        }
        names.seal(epoch, nowNs: nowNs)
        for (key, growth) in try kernelSites() where key.stackID >= 0 && StackNames.epoch(of: key.stackID) == epoch {
            retiredGrowth[SiteKey(tgid: key.tgid, stackID: name(key.stackID)), default: .zero].add(growth)
            var raw = memhound_site_key(tgid: UInt32(bitPattern: key.tgid), stack_id: key.stackID)
            _ = memhound_tracer_delete_site(handle, &raw)
        }
        let emptied = memhound_tracer_empty_stack_set(handle, set)
        guard emptied >= 0 else { throw KernelError(step: .readMap("stacks"), errno: -emptied) }
        recycledSets += 1
    }

    /// The session-long name of kernel stack `kernelID`.
    func name(_ kernelID: Int32) -> Int32 {
        names.name(kernelID) { id in
            var frames = [UInt64](repeating: 0, count: Int(MH_MAX_STACK_DEPTH))
            let n = frames.withUnsafeMutableBufferPointer {
                memhound_tracer_read_stack(handle, id, $0.baseAddress, UInt32($0.count))
            }
            return n > 0 ? Array(frames.prefix(Int(n))) : nil
        }
    }

    /// A record with its stack ids named.
    func named(_ record: Record) -> Record {
        switch record {
        case var .syscall(e):
            e.stackID = name(e.stackID)
            return .syscall(e)
        case var .run(r):
            r.stackID = name(r.stackID)
            return .run(r)
        default:
            return record
        }
    }
}

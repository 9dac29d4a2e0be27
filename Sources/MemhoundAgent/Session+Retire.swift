import MemhoundKernel

/// Keeping user space bounded when a target makes ever-new stacks: the stacks
/// whose memory is all gone are forgotten once the names would outgrow
/// Tracer.nameLimit. Totals do not change (a retired site's net bytes are 0);
/// its grown and released bytes leave the per-site history.
extension Session {
    /// Retires settled names when the set in use will soon be recycled and the names leave too little room.
    /// At most once a second: it scans every ledger.
    func makeRoomForStacks(nowNs: UInt64) {
        guard tracer.stackSetIsFilling, tracer.nameBudgetIsShort, nowNs >= lastRetireNs + 1_000_000_000 else { return }
        lastRetireNs = nowNs
        retire(settledStacks())
    }

    /// Names that no live kernel site, resident page or live mapping refers to
    /// and whose net bytes are 0 in every process.
    func settledStacks() -> Set<Int32> {
        var unsettled = tracer.liveNames
        let harvested = tracer.harvestedGrowth
        for ledger in accounting.processes.values {
            unsettled.formUnion(ledger.owningStacks)
            for stack in Set(ledger.released.keys).union(ledger.transferred.keys)
            where ledger.net(stack, grown: harvested[SiteKey(tgid: ledger.tgid, stackID: stack)]?.kept ?? 0) != 0 {
                unsettled.insert(stack)
            }
        }
        for (key, growth) in harvested {
            let net = accounting.processes[key.tgid]?.net(key.stackID, grown: growth.kept) ?? Int64(growth.kept)
            if net != 0 { unsettled.insert(key.stackID) }
        }
        return tracer.allNames.subtracting(unsettled)
    }

    func retire(_ names: Set<Int32>) {
        guard !names.isEmpty else { return }
        tracer.retire(names)
        accounting.forget(stacks: names)
        let gone = { (key: SiteKey) in names.contains(key.stackID) }
        frameCache.removeAll { key, _ in gone(key) }
        leafReturns.removeAll { key, _ in gone(key) }
        stackComplete.removeAll { key, _ in gone(key) }
        repairedPCs.removeAll { key, _ in gone(key) }
        categoryCache.removeAll { key, _ in names.contains(key.stackID) || names.contains(key.regionCreator ?? -1) }
        stitched.removeAll { key, owner in
            names.contains(key.fault) || names.contains(key.creator) || names.contains(owner)
        }
    }
}

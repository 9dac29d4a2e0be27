import MemhoundEvents
import MemhoundKernel

/// Keeping user space bounded when a target makes ever-new stacks: the stacks
/// whose memory is all gone are forgotten once the names would outgrow
/// Tracer.nameLimit. Totals do not change (a retired stack's net bytes are 0);
/// its grown and released bytes leave the per-site history.
extension Session {
    /// Retires names holding nothing when the set in use will soon be recycled and the names leave
    /// too little room. At most once a second: it scans every ledger.
    func makeRoomForStacks(nowNs: UInt64) {
        guard tracer.stackSetIsFilling, tracer.nameBudgetIsShort, nowNs >= lastRetireNs + 1_000_000_000 else { return }
        lastRetireNs = nowNs
        retire(stacksHoldingNothing())
    }

    /// Walked stacks that no live kernel entry, resident page or live mapping refers to
    /// and whose net bytes are 0 in every process.
    func stacksHoldingNothing() -> Set<StackName> {
        var holding = tracer.liveNames
        let recycledGrowth = tracer.recycledGrowth
        for ledger in accounting.processes.values {
            holding.formUnion(ledger.owningStacks)
            for stack in Set(ledger.released.keys).union(ledger.recharged.keys)
            where ledger.net(stack, grown: recycledGrowth[ProcessStack(tgid: ledger.tgid, stack: stack)]?.kept ?? 0) != 0 {
                holding.insert(stack)
            }
        }
        for (key, growth) in recycledGrowth {
            let net = accounting.processes[key.tgid]?.net(key.stack, grown: growth.kept) ?? Int64(growth.kept)
            if net != 0 { holding.insert(key.stack) }
        }
        return tracer.allNames.subtracting(holding)
    }

    func retire(_ names: Set<StackName>) {
        guard !names.isEmpty else { return }
        tracer.retire(names)
        accounting.forget(stacks: names)
        caches.retire(names)
    }
}

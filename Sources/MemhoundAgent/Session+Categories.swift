import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

extension Session {
    /// How a run of resident pages is charged: to its own stack, or (when that
    /// stack was cut short) to the region's creator; and what kind of memory it is.
    func charge(for run: ResidentRun) -> Accounting.RunCharge {
        let key = SiteKey(tgid: run.tgid, stackID: run.stackID)
        rememberLeaf(key, run.leafReturn)
        let faulting = frames(key).compactMap(\.function)  // also learns whether the stack is complete
        let isGo = processes[run.tgid]?.isGo ?? false
        let category = CategoryRules.category(
            stackTouch: run.stackTouch, isGo: isGo, faulting: faulting, region: region(of: run))
        return Accounting.RunCharge(incompleteStack: stackComplete[key] == false, category: category)
    }

    private func region(of run: ResidentRun) -> CategoryRules.Region? {
        if let owner = accounting.processes[run.tgid]?.mappings.overlapping(run.start, run.start + 1).first?.value {
            return CategoryRules.Region(
                creator: frames(SiteKey(tgid: run.tgid, stackID: owner.stackID)).compactMap(\.function),
                sharedHeap: owner.sharedHeap, threadStack: owner.threadStack)
        }
        guard let name = symbolizer.mappingName(pid: run.tgid, address: run.start) else { return nil }
        return CategoryRules.Region(creator: nil, name: name)
    }
}

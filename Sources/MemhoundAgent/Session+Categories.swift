import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

/// What decides a run's category; the same inputs give the same answer, so
/// the rules (string matching over frames) run once per combination.
struct CategoryInputs: Hashable {
    var tgid: Int32
    var stackID: Int32
    var stackTouch: Bool
    /// The region's creator stack, or -1 for a region known only by its maps name.
    var regionCreator: Int32?
    var sharedHeap = false
    var threadStack = false
    var regionName: String?
}

extension Session {
    /// How a run of resident pages is charged: to its own stack, or (when that
    /// stack was cut short) to the region's creator; and what kind of memory it is.
    func charge(for run: ResidentRun) -> Accounting.RunCharge {
        let key = SiteKey(tgid: run.tgid, stackID: run.stackID)
        rememberLeaf(key, run.leafReturn)
        let faulting = frames(key)  // also learns whether the stack is complete
        var inputs = CategoryInputs(tgid: run.tgid, stackID: run.stackID, stackTouch: run.stackTouch)
        if let owner = accounting.processes[run.tgid]?.mappings.overlapping(run.start, run.start + 1).first?.value {
            inputs.regionCreator = owner.stackID
            inputs.sharedHeap = owner.sharedHeap
            inputs.threadStack = owner.threadStack
        } else if let name = symbolizer.mappingName(pid: run.tgid, address: run.start) {
            inputs.regionCreator = -1
            inputs.regionName = name
        }
        let category = categoryCache[inputs] ?? decideCategory(inputs, faulting: faulting)
        categoryCache[inputs] = category
        return Accounting.RunCharge(incompleteStack: stackComplete[key] == false, category: category)
    }

    private func decideCategory(_ i: CategoryInputs, faulting: [Frame]) -> MemoryCategory {
        var region: CategoryRules.Region?
        if let creator = i.regionCreator {
            region = CategoryRules.Region(
                creator: creator >= 0 ? frames(SiteKey(tgid: i.tgid, stackID: creator)).compactMap(\.function) : nil,
                sharedHeap: i.sharedHeap, threadStack: i.threadStack, name: i.regionName)
        }
        return CategoryRules.category(stackTouch: i.stackTouch, isGo: processes[i.tgid]?.isGo ?? false,
                                      faulting: faulting.compactMap(\.function), region: region)
    }
}

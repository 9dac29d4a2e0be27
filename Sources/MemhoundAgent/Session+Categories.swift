import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

/// What decides a run's category; the same inputs give the same answer, so
/// the rules (string matching over frames) run once per combination.
struct CategoryInputs: Hashable {
    var tgid: Int32
    var stack: StackName
    var stackTouch: Bool
    /// The region's creator stack (unknown for a region known only by its maps name).
    var regionCreator: StackName?
    var sharedHeap = false
    var threadStack = false
    var regionName: String?
}

extension Session {
    /// How a run of resident pages is charged: to its own stack, or (when that
    /// stack was cut short) to the region's creator; and what kind of memory it is.
    func charge(for run: PageRun) -> Accounting.RunCharge {
        let key = ProcessStack(tgid: run.tgid, stack: run.stack)
        rememberWordAtSP(key, run.wordAtSP)
        let faulting = frames(key)  // also learns whether the stack is complete
        var inputs = CategoryInputs(tgid: run.tgid, stack: run.stack, stackTouch: run.stackTouch)
        if let owner = accounting.processes[run.tgid]?.mappings.overlapping(run.start, run.start + 1).first?.value {
            inputs.regionCreator = owner.stack
            inputs.sharedHeap = owner.sharedHeap
            inputs.threadStack = owner.threadStack
        } else if let name = symbolizer.mappingName(pid: run.tgid, address: run.start) {
            inputs.regionCreator = .unknown
            inputs.regionName = name
        }
        let category = caches.categories[inputs] ?? decideCategory(inputs, faulting: faulting)
        caches.categories[inputs] = category
        return Accounting.RunCharge(incompleteStack: caches.complete[key] == false, category: category)
    }

    private func decideCategory(_ i: CategoryInputs, faulting: [Frame]) -> MemoryCategory {
        var region: CategoryRules.Region?
        if let creator = i.regionCreator {
            region = CategoryRules.Region(
                creator: creator.isKnown ? frames(ProcessStack(tgid: i.tgid, stack: creator)) : nil,
                sharedHeap: i.sharedHeap, threadStack: i.threadStack, name: i.regionName)
        }
        return CategoryRules.category(stackTouch: i.stackTouch, isGo: processes[i.tgid]?.isGo ?? false,
                                      faulting: faulting, region: region)
    }
}

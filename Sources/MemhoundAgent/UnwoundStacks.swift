import MemhoundEvents
import MemhoundKernel

/// Stacks unwound in user space from stack copies (registers and stack bytes), named like the
/// kernel's walked stacks so the ledger and reports treat both alike; their names have their
/// own origin (StackName.unwound) and can never equal a walked stack's.
struct UnwoundStacks {
    private var names: [Int32: [[UInt64]: StackName]] = [:]
    private var stacks: [ProcessStack: [UInt64]] = [:]
    private var next: UInt64

    /// `firstSerial`: where names start (tests start near the points where 32-bit ids would wrap).
    init(firstSerial: UInt64 = 0) { next = firstSerial }

    mutating func name(tgid: Int32, pcs: [UInt64]) -> StackName {
        if let known = names[tgid]?[pcs] { return known }
        let name = StackName.unwound(next)
        next += 1
        names[tgid, default: [:]][pcs] = name
        stacks[ProcessStack(tgid: tgid, stack: name)] = pcs
        return name
    }

    /// The program counters of an unwound stack, leaf first; nil for other names.
    func stack(_ key: ProcessStack) -> [UInt64]? {
        key.stack.origin == .unwound ? stacks[key] : nil
    }

    /// Drops a process's stacks (it exited or changed program); their names are not reused.
    mutating func forget(tgid: Int32) {
        names[tgid] = nil
        stacks = stacks.filter { $0.key.tgid != tgid }
    }

    /// Drops retired names.
    mutating func forget(_ retired: Set<StackName>) {
        guard retired.contains(where: { $0.origin == .unwound }) else { return }
        stacks = stacks.filter { !retired.contains($0.key.stack) }
        for tgid in Array(names.keys) { names[tgid] = names[tgid]!.filter { !retired.contains($0.value) } }
    }
}

/// A process's call path, as the kernel keys stack copies.
struct CallPath: Hashable {
    var tgid: Int32
    var key: UInt64
}

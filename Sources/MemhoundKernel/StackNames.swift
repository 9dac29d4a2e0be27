import MemhoundABI
import MemhoundEvents

/// Session-long names for user stacks. Kernel ids carry the epoch of the set
/// of tables they were walked in (MH_STACK_EPOCH_SHIFT) and are given again
/// once a set is emptied, so each kernel id is read once, while its set still
/// holds it, and named by its frames: the same stack walked in two epochs
/// keeps one name.
struct StackNames {
    /// Translations of an emptied epoch are kept this long, for records that
    /// were still in the ring buffer or kept open by a thread...
    static let keepNs: UInt64 = 30_000_000_000
    /// ...for at least this many epochs, and at most for this many (epoch
    /// numbers wrap at MH_STACK_EPOCHS).
    static let minEpochsKept: UInt32 = 4
    static let maxEpochsKept: UInt32 = UInt32(MH_STACK_EPOCHS) / 2

    /// Where a raw id sits in an epoch's translation table.
    struct Layout {
        var entries: UInt32
        var collided: UInt32

        func slot(_ raw: UInt32) -> Int? {
            if raw < entries { return Int(raw) }
            let base = UInt32(MH_COLLIDED_STACK_BASE)
            guard raw >= base, raw - base < collided else { return nil }
            return Int(entries + raw - base)
        }
    }

    /// What an epoch's slot stands for.
    private enum Slot: Equatable {
        case unseen
        case named(StackName)
        /// Its name was retired: the id is not named again.
        case forgotten
    }

    private struct Epoch {
        var slots: [Slot]
        var readable = true        // its set still holds its stacks
        var emptiedNs: UInt64 = 0
    }

    let layout: Layout
    private(set) var frames: [StackName: [UInt64]] = [:]
    /// memhound_stack_flags of the names whose stacks have any.
    private(set) var flags: [StackName: UInt32] = [:]
    private var byFrames: [KernelStack: StackName] = [:]
    private var epochs: [UInt32: Epoch] = [:]
    private(set) var current: UInt32 = 0
    private var next: UInt64
    /// Kernel ids that could not be named (their epoch's translations were dropped).
    private(set) var expired: UInt64 = 0

    /// `firstSerial`: where names start (tests start near the points where 32-bit ids would wrap).
    init(layout: Layout, firstSerial: UInt64 = 0) {
        self.layout = layout
        next = firstSerial
        epochs[0] = Epoch(slots: Self.table(layout))
    }

    private static func table(_ layout: Layout) -> [Slot] {
        [Slot](repeating: .unseen, count: Int(layout.entries + layout.collided))
    }

    /// The name of kernel stack `id`; `read` gives its frames (nil: unreadable).
    /// Ids not captured, and ids that cannot be named (counted in `expired`), are unknown.
    mutating func name(_ id: KernelStackID, read: (KernelStackID) -> KernelStack?) -> StackName {
        guard id.isCaptured else { return .unknown }
        let epoch = id.epoch
        guard let slot = layout.slot(id.slot), let known = epochs[epoch]?.slots[slot] else {
            expired += 1
            return .unknown
        }
        switch known {
        case let .named(name):
            return name
        case .forgotten:
            expired += 1
            return .unknown
        case .unseen:
            break
        }
        // Only a set not yet emptied may be read: an emptied one holds a later epoch's stacks.
        guard epochs[epoch]!.readable, let stack = read(id), !stack.frames.isEmpty else {
            expired += 1
            return .unknown
        }
        let name = byFrames[stack] ?? allocate(stack)
        epochs[epoch]!.slots[slot] = .named(name)
        return name
    }

    /// As above, for stacks read without flags (frame-pointer walks).
    mutating func name(_ id: KernelStackID, read: (KernelStackID) -> [UInt64]?) -> StackName {
        name(id) { (id: KernelStackID) -> KernelStack? in read(id).map { KernelStack(frames: $0) } }
    }

    /// The kernel walks into epoch `next` from now on.
    mutating func advance(to next: UInt32, nowNs: UInt64) {
        current = next
        epochs[next] = Epoch(slots: Self.table(layout))
        epochs = epochs.filter { key, value in
            let age = (next &+ UInt32(MH_STACK_EPOCHS) &- key) % UInt32(MH_STACK_EPOCHS)
            return value.readable || age < Self.minEpochsKept
                || (age < Self.maxEpochsKept && nowNs < value.emptiedNs + Self.keepNs)
        }
    }

    /// Epoch `epoch`'s set is about to be emptied: its ids are named from here on, never read.
    mutating func seal(_ epoch: UInt32, nowNs: UInt64) {
        epochs[epoch]?.readable = false
        epochs[epoch]?.emptiedNs = nowNs
    }

    /// Names in use by the epochs whose sets the kernel may still walk into or
    /// that are not emptied yet: their kernel entries still count growth.
    var liveNames: Set<StackName> {
        var live = Set<StackName>()
        for epoch in epochs.values where epoch.readable {
            for case let .named(name) in epoch.slots { live.insert(name) }
        }
        return live
    }

    var count: Int { frames.count }

    /// Forgets names (see Tracer.retire); kernel ids of sealed epochs that named
    /// them are not named again (expired).
    mutating func forget(_ names: Set<StackName>) {
        for name in names {
            if let stack = frames.removeValue(forKey: name) {
                byFrames[KernelStack(frames: stack, flags: flags.removeValue(forKey: name) ?? 0)] = nil
            }
        }
        for key in epochs.keys where !epochs[key]!.readable {
            for slot in epochs[key]!.slots.indices {
                if case let .named(name) = epochs[key]!.slots[slot], names.contains(name) {
                    epochs[key]!.slots[slot] = .forgotten
                }
            }
        }
    }

    private mutating func allocate(_ stack: KernelStack) -> StackName {
        let name = StackName.walked(next)
        next += 1
        frames[name] = stack.frames
        if stack.flags != 0 { flags[name] = stack.flags }
        byFrames[stack] = name
        return name
    }
}

/// A stack as the kernel keeps it: frames, leaf first, and how they were found (memhound_stack_flags).
struct KernelStack: Hashable {
    var frames: [UInt64]
    var flags: UInt32 = 0
}

import CMemhound

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

    private struct Epoch {
        var names: [Int32]         // by slot; Self.unnamed: not seen yet
        var readable = true        // its set still holds its stacks
        var emptiedNs: UInt64 = 0
    }

    private static let unnamed: Int32 = -2

    let layout: Layout
    private(set) var frames: [Int32: [UInt64]] = [:]
    private var byFrames: [[UInt64]: Int32] = [:]
    private var epochs: [UInt32: Epoch] = [:]
    private(set) var current: UInt32 = 0
    private var next: Int32 = 0
    /// Kernel ids that could not be named (their epoch's translations were dropped).
    private(set) var expired: UInt64 = 0

    init(layout: Layout) {
        self.layout = layout
        epochs[0] = Epoch(names: Self.table(layout))
    }

    private static func table(_ layout: Layout) -> [Int32] {
        [Int32](repeating: unnamed, count: Int(layout.entries + layout.collided))
    }

    static func epoch(of kernelID: Int32) -> UInt32 {
        UInt32(bitPattern: kernelID) >> UInt32(MH_STACK_EPOCH_SHIFT)
    }

    /// The name of kernel stack `kernelID`; `read` gives its frames (nil: unreadable).
    /// Negative ids (not captured) stay as they are; ids that cannot be named are -1.
    mutating func name(_ kernelID: Int32, read: (Int32) -> [UInt64]?) -> Int32 {
        guard kernelID >= 0 else { return kernelID }
        let epoch = Self.epoch(of: kernelID)
        guard let slot = layout.slot(UInt32(bitPattern: kernelID) & (1 << UInt32(MH_STACK_EPOCH_SHIFT) - 1)),
              let known = epochs[epoch]?.names[slot]
        else {
            expired += 1
            return -1
        }
        if known == Self.forgotten {
            expired += 1
            return -1
        }
        if known != Self.unnamed { return known }
        // Only a set not yet emptied may be read: an emptied one holds a later epoch's stacks.
        guard epochs[epoch]!.readable, let stack = read(kernelID), !stack.isEmpty else {
            expired += 1
            return -1
        }
        let name = byFrames[stack] ?? allocate(stack)
        epochs[epoch]!.names[slot] = name
        return name
    }

    /// The kernel walks into epoch `next` from now on.
    mutating func advance(to next: UInt32, nowNs: UInt64) {
        current = next
        epochs[next] = Epoch(names: Self.table(layout))
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
    /// that are not emptied yet: their kernel sites still count growth.
    var liveNames: Set<Int32> {
        var live = Set<Int32>()
        for epoch in epochs.values where epoch.readable {
            live.formUnion(epoch.names.lazy.filter { $0 >= 0 })
        }
        return live
    }

    var count: Int { frames.count }

    /// Forgets names (see Tracer.retire); kernel ids of sealed epochs that named
    /// them are not named again (expired).
    mutating func forget(_ names: Set<Int32>) {
        for name in names {
            if let stack = frames.removeValue(forKey: name) { byFrames[stack] = nil }
        }
        for key in epochs.keys where !epochs[key]!.readable {
            for slot in epochs[key]!.names.indices where names.contains(epochs[key]!.names[slot]) {
                epochs[key]!.names[slot] = Self.forgotten
            }
        }
    }

    private static let forgotten: Int32 = -3

    private mutating func allocate(_ stack: [UInt64]) -> Int32 {
        let name = next
        next += 1
        frames[name] = stack
        byFrames[stack] = name
        return name
    }
}

import MemhoundABI

/// A user stack id as the kernel gives it out: a slot of the set of stack tables the stack was
/// walked into, with that set's epoch in bits 24-30 (MH_STACK_EPOCH_SHIFT). The same id names
/// another stack once its set is recycled, so it is only ever read while its set still holds it
/// (StackNames), and nothing downstream of the Tracer sees one. Negative: not captured (-errno).
public struct KernelStackID: Hashable, Sendable, CustomStringConvertible {
    public let raw: Int32

    /// MH_STACK_RAW_MASK (a macro expression Swift does not import).
    static let slotMask: UInt32 = 1 << UInt32(MH_STACK_EPOCH_SHIFT) - 1

    public init(raw: Int32) { self.raw = raw }

    public init(epoch: UInt32, slot: UInt32) {
        raw = Int32(bitPattern: slot & Self.slotMask | epoch << UInt32(MH_STACK_EPOCH_SHIFT))
    }

    public var isCaptured: Bool { raw >= 0 }
    /// The epoch of the set of tables it was walked into (captured ids only).
    public var epoch: UInt32 { UInt32(bitPattern: raw) >> UInt32(MH_STACK_EPOCH_SHIFT) }
    /// Its place in that set: below MH_COLLIDED_STACK_BASE the kernel's stack map, above it the
    /// second table (see stackid.bpf.h).
    public var slot: UInt32 { UInt32(bitPattern: raw) & Self.slotMask }

    public var description: String { isCaptured ? "kernel stack \(epoch):\(slot)" : "kernel stack error \(raw)" }
}

/// The session's name for one distinct user stack: the ledger, the caches and the reports key
/// growth by it. The same frames keep one name for the whole session, across recycled kernel
/// tables. Names of stacks the kernel walked (frame pointers) and of stacks unwound in user space
/// from a stack copy (CFI) are told apart by their origin, so the two can never be confused, and
/// serial numbers are 64-bit: they are never reused and cannot run out.
public struct StackName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Origin: UInt8, Sendable, Comparable {
        /// No frames: the kernel did not capture the stack, or its id could no longer be named.
        case unknown
        /// Walked by the kernel from frame pointers (StackNames).
        case walked
        /// Unwound in user space from a copy of the stack (UnwoundStacks).
        case unwound

        public static func < (a: Origin, b: Origin) -> Bool { a.rawValue < b.rawValue }
    }

    public let origin: Origin
    public let serial: UInt64

    public static let unknown = StackName(origin: .unknown, serial: 0)

    public static func walked(_ serial: UInt64) -> StackName { StackName(origin: .walked, serial: serial) }
    public static func unwound(_ serial: UInt64) -> StackName { StackName(origin: .unwound, serial: serial) }

    private init(origin: Origin, serial: UInt64) {
        self.origin = origin
        self.serial = serial
    }

    public var isKnown: Bool { origin != .unknown }

    public static func < (a: StackName, b: StackName) -> Bool { (a.origin, a.serial) < (b.origin, b.serial) }

    public var description: String {
        switch origin {
        case .unknown: "no stack"
        case .walked: "walked stack \(serial)"
        case .unwound: "unwound stack \(serial)"
        }
    }
}

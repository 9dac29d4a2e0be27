import MemhoundABI

/// Registers and a copy of the user stack taken at the entry of a
/// region-creating syscall, for unwinding code without frame pointers.
/// The syscall record of the same thread with the same `enterTime` follows.
public struct StackCopy: Sendable, Equatable {
    public var tgid: Int32
    public var tid: Int32
    public var enterTime: UInt64
    /// The call path it stands for (memhound_syscall_record.copy_key).
    public var key: UInt64 = 0
    /// DWARF x86_64 order: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip.
    public var registers: [UInt64]
    /// Bytes from registers[7] (the stack pointer) up.
    public var stack: [UInt8]

    public init(tgid: Int32, tid: Int32, enterTime: UInt64, registers: [UInt64], stack: [UInt8]) {
        self.tgid = tgid
        self.tid = tid
        self.enterTime = enterTime
        self.registers = registers
        self.stack = stack
    }

    public var stackPointer: UInt64 { registers.count > 7 ? registers[7] : 0 }
}

extension RecordDecoder {
    /// Swift does not import the 8 KiB array: the data starts right after `_pad`.
    static let stackDataOffset = MemoryLayout<memhound_stack_record>.offset(of: \._pad)! + 4

    /// The record is variable-sized: its fixed part, then `size` bytes of stack.
    static func stackCopy(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> StackCopy {
        let kind = UInt32(MH_RECORD_STACK_COPY.rawValue)
        guard bytes.count >= stackDataOffset, let base = bytes.baseAddress else {
            throw .truncated(kind: kind, size: bytes.count)
        }
        let header = base.loadUnaligned(as: memhound_record_header.self)
        let layout = MemoryLayout<memhound_stack_record>.self
        let enter = base.loadUnaligned(fromByteOffset: layout.offset(of: \.enter_ns)!, as: UInt64.self)
        let key = base.loadUnaligned(fromByteOffset: layout.offset(of: \.key)!, as: UInt64.self)
        let registersOffset = layout.offset(of: \.regs)!
        let registers = (0..<Int(MH_UNWIND_REGS)).map {
            base.loadUnaligned(fromByteOffset: registersOffset + $0 * 8, as: UInt64.self)
        }
        let size = Int(base.loadUnaligned(fromByteOffset: layout.offset(of: \.size)!, as: UInt32.self))
        guard size <= Int(MH_STACK_COPY_MAX), bytes.count >= stackDataOffset + size else {
            throw .truncated(kind: kind, size: bytes.count)
        }
        var copy = StackCopy(
            tgid: Int32(bitPattern: header.tgid), tid: Int32(bitPattern: header.tid), enterTime: enter,
            registers: registers, stack: Array(bytes[stackDataOffset..<stackDataOffset + size]))
        copy.key = key
        return copy
    }
}

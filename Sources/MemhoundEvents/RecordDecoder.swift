import MemhoundABI

public enum DecodeError: Error, Equatable, CustomStringConvertible {
    case truncated(kind: UInt32, size: Int)
    case unknownKind(UInt32)
    case unknownValue(field: String, value: UInt32)

    public var description: String {
        switch self {
        case let .truncated(kind, size): "record of kind \(kind) truncated to \(size) bytes"
        case let .unknownKind(kind): "unknown record kind \(kind)"
        case let .unknownValue(field, value): "unknown \(field) \(value)"
        }
    }
}

/// Turns ring-buffer bytes into `Record`s. The bytes are only borrowed: every
/// value is copied out, as the ring buffer reuses its memory after the callback.
public enum RecordDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> Record {
        guard bytes.count >= MemoryLayout<memhound_record_header>.size, let base = bytes.baseAddress else {
            throw .truncated(kind: 0, size: bytes.count)
        }
        let header = base.loadUnaligned(as: memhound_record_header.self)
        switch header.kind {
        case UInt32(MH_RECORD_SYSCALL.rawValue):
            let raw: memhound_syscall_record = try load(bytes, kind: header.kind)
            return .syscall(try syscall(raw))
        case UInt32(MH_RECORD_RUN.rawValue):
            let raw: memhound_run_record = try load(bytes, kind: header.kind)
            return .pages(pageRun(raw))
        case UInt32(MH_RECORD_STACK_COPY.rawValue):
            return .stackCopy(try stackCopy(bytes))
        case UInt32(MH_RECORD_PROCESS.rawValue):
            let raw: memhound_process_record = try load(bytes, kind: header.kind)
            return .process(try process(raw))
        case UInt32(MH_RECORD_OOM_KILL.rawValue):
            let raw: memhound_oom_record = try load(bytes, kind: header.kind)
            return .oomKill(oomKill(raw))
        case UInt32(MH_RECORD_TCP.rawValue):
            let raw: memhound_tcp_record = try load(bytes, kind: header.kind)
            return .tcpRetransmit(try tcpRetransmit(raw))
        default:
            throw .unknownKind(header.kind)
        }
    }

    private static func load<T>(_ bytes: UnsafeRawBufferPointer, kind: UInt32) throws(DecodeError) -> T {
        guard bytes.count >= MemoryLayout<T>.size else { throw .truncated(kind: kind, size: bytes.count) }
        return bytes.baseAddress!.loadUnaligned(as: T.self)
    }

    static func syscall(_ r: memhound_syscall_record) throws(DecodeError) -> SyscallEvent {
        guard let which = MemorySyscall(rawValue: r.syscall) else {
            throw .unknownValue(field: "syscall", value: r.syscall)
        }
        let a = r.args
        var event = SyscallEvent(
            syscall: which, tgid: Int32(bitPattern: r.hdr.tgid), tid: Int32(bitPattern: r.hdr.tid),
            enterTime: r.enter_ns, exitTime: r.hdr.time_ns,
            kernelStack: KernelStackID(raw: r.stack_id), wordAtSP: r.word_at_sp, result: r.ret,
            args: [a.0, a.1, a.2, a.3, a.4, a.5], anonDelta: r.anon_delta, anonBytes: r.anon_bytes)
        event.copyKey = r.copy_key
        event.kernelReleased = r.kernel_released
        return event
    }

    static func pageRun(_ r: memhound_run_record) -> PageRun {
        PageRun(
            tgid: Int32(bitPattern: r.hdr.tgid), tid: Int32(bitPattern: r.hdr.tid), start: r.start,
            end: r.end, firstTime: r.first_ns, lastTime: r.hdr.time_ns,
            kernelStack: KernelStackID(raw: r.stack_id), wordAtSP: r.word_at_sp,
            faults: r.faults, stackTouch: r.flags & UInt32(MH_RUN_STACK.rawValue) != 0)
    }

    static func process(_ r: memhound_process_record) throws(DecodeError) -> ProcessEvent {
        guard let kind = ProcessEvent.Kind(rawValue: r.event) else {
            throw .unknownValue(field: "process event", value: r.event)
        }
        var event = ProcessEvent(
            kind: kind, tgid: Int32(bitPattern: r.hdr.tgid), time: r.hdr.time_ns,
            parentTgid: Int32(bitPattern: r.parent_tgid), exitStatus: r.exit_code,
            anonBytes: r.anon_bytes, comm: commString(r.comm))
        event.nsTgid = Int32(bitPattern: r.ns_tgid)
        return event
    }

    /// A fixed char[16] as a String, up to its first NUL.
    static func commString(_ comm: (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
                                    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar)) -> String {
        withUnsafeBytes(of: comm) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

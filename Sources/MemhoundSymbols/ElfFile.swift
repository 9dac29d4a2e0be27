import CMemhoundELF
import MemhoundABI
import Glibc

/// One opened ELF file: its load segments and a libdwfl session for lookups.
final class ElfFile {
    struct Segment {
        var offset: UInt64
        var vaddr: UInt64
        var fileSize: UInt64
        var flags: UInt32 = 0
    }

    private let handle: OpaquePointer
    /// Kept open to read code bytes, also after the process is gone.
    private let fd: Int32
    let segments: [Segment]

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var out: OpaquePointer?
        guard memhound_elf_open(fd, path, &out) == 0, let out else {
            close(fd)
            return nil
        }
        self.fd = fd
        handle = out
        var raw = [memhound_elf_segment](repeating: memhound_elf_segment(), count: 16)
        let n = raw.withUnsafeMutableBufferPointer { memhound_elf_segments(out, $0.baseAddress, 16) }
        segments = raw.prefix(max(0, min(Int(n), 16))).map {
            Segment(offset: $0.offset, vaddr: $0.vaddr, fileSize: $0.filesz, flags: $0.flags)
        }
    }

    deinit {
        memhound_elf_close(handle)
        close(fd)
    }

    /// How the caller's frame is found at `virtualAddress`, from the file's CFI.
    enum FrameRule: Equatable {
        /// CFA = rsp + 8: nothing pushed, the return address is at the stack pointer.
        case frameless
        /// CFA = rsp + N: the function keeps no frame pointer here.
        case stackBased
        /// CFA = rbp + N: a frame-pointer frame.
        case framePointer
        /// No CFI for the address, or a rule that is an expression.
        case unknown
    }

    /// A Go binary: it always keeps frame pointers, and its CFI (.debug_frame)
    /// describes frames relative to rsp, which would wrongly cut its stacks.
    private(set) lazy var isGo: Bool = hasSection(".gopclntab") || hasSection(".go.buildinfo")

    /// Go's own symbol table (.gopclntab): names, lines and inlined calls even
    /// in stripped binaries; nil for other files or an unreadable table.
    private(set) lazy var goTable: GoSymbolTable? = isGo ? (try? GoSymbolTable.load(fileDescriptor: fd)) ?? nil : nil

    func frameRule(virtualAddress: UInt64) -> FrameRule {
        if isGo {
            // Go's stack-pointer delta: 0 means no frame yet (the return address is at sp);
            // any frame Go sets up saves and sets the frame pointer.
            guard let delta = goTable?.spDelta(at: virtualAddress) else { return .unknown }
            return delta == 0 ? .frameless : .framePointer
        }
        var reg: Int32 = 0
        var offset: Int64 = 0
        guard memhound_elf_cfa(handle, virtualAddress, &reg, &offset) == 0 else { return .unknown }
        switch (reg, offset) {
        case (7, 8): return .frameless
        case (7, _): return .stackBased
        case (6, _): return .framePointer
        default: return .unknown
        }
    }

    struct InlineLevel {
        var function: String?
        var file: String?
        var line: Int?
    }

    /// Functions inlined at the address, innermost first, ending with the one
    /// they were inlined into; empty without DWARF.
    func inlines(virtualAddress: UInt64) -> [InlineLevel] {
        var raw = [memhound_inline_frame](repeating: memhound_inline_frame(), count: 16)
        let n = raw.withUnsafeMutableBufferPointer { memhound_elf_inlines(handle, virtualAddress, $0.baseAddress, 16) }
        return raw.prefix(max(0, Int(n))).map {
            InlineLevel(function: $0.function.map { String(cString: $0) }, file: $0.file.map { String(cString: $0) },
                        line: $0.line > 0 ? Int($0.line) : nil)
        }
    }

    /// The NT_GNU_BUILD_ID note as lowercase hex; nil when the file has none (Go writes its own
    /// note type instead, which pprof tools do not match on).
    private(set) lazy var buildID: String? = {
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = bytes.withUnsafeMutableBufferPointer { memhound_elf_build_id(handle, $0.baseAddress, 64) }
        guard n > 0, n <= 64 else { return nil }
        let digits = Array("0123456789abcdef")
        return String(bytes.prefix(Int(n)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }()

    func hasSection(_ name: String) -> Bool {
        memhound_elf_has_section(handle, name) == 1
    }

    func bytes(atFileOffset offset: UInt64, count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n == count ? buffer : []
    }

    /// The link-time address for a file offset, through the segment that maps it.
    func virtualAddress(fileOffset: UInt64) -> UInt64 {
        // Program headers come from the traced binary: no arithmetic here may trap on their values.
        for s in segments where fileOffset >= s.offset && fileOffset - s.offset < max(s.fileSize, 1) {
            return (fileOffset - s.offset) &+ s.vaddr
        }
        return fileOffset
    }

    struct Symbol {
        var name: String?
        var offset: UInt64
        var file: String?
        var line: Int?
    }

    func lookup(virtualAddress: UInt64) -> Symbol {
        var s = memhound_symbol()
        _ = memhound_elf_lookup(handle, virtualAddress, &s)
        return Symbol(
            name: s.name.map { String(cString: $0) },
            offset: s.offset,
            file: s.file.map { String(cString: $0) },
            line: s.line > 0 ? Int(s.line) : nil)
    }
}

extension ElfFile {
    /// p_vaddr - p_offset of the executable segment: a file offset plus this is a link-time address.
    var executableDelta: Int64 {
        guard let text = segments.first(where: { $0.flags & 1 != 0 }) else { return 0 }
        return Int64(bitPattern: text.vaddr &- text.offset)
    }

    /// DT_NEEDED libraries, and the DT_RUNPATH (or DT_RPATH) search path.
    func neededLibraries() -> (names: [String], runPath: String?) {
        var names = [UnsafePointer<CChar>?](repeating: nil, count: 256)
        var runPath: UnsafePointer<CChar>?
        let n = names.withUnsafeMutableBufferPointer { memhound_elf_needed(handle, $0.baseAddress, 256, &runPath) }
        guard n > 0 else { return ([], nil) }
        return (names.prefix(Int(min(n, 256))).compactMap { $0.map { String(cString: $0) } }, runPath.map { String(cString: $0) })
    }

    /// The file's unwind table for the kernel (memhound_unwind_row), from its .eh_frame; empty without one.
    func unwindRows() -> [memhound_unwind_row] {
        var out: UnsafeMutablePointer<memhound_unwind_row>?
        let n = memhound_elf_unwind_rows(handle, &out)
        defer { free(out) }
        guard n > 0, let out else { return [] }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }
}

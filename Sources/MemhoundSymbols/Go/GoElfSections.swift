import CMemhoundELF
import Glibc

/// The sections of an ELF64 file, for the Go reader: their headers through libelf (which checks
/// them: the file may come from a hostile container), their bytes with pread, checked against
/// the file's size before anything is allocated. Symbol lookup stays with libdwfl.
struct GoElfSections {
    struct Section {
        var name: String
        var type: UInt32
        var address: UInt64
        var offset: UInt64
        var size: UInt64
    }

    static let sectionNoBits: UInt32 = 8
    /// Largest section copied into memory (the pclntab of very large Go binaries is ~100 MiB).
    static let maxSectionBytes: UInt64 = 512 << 20

    let fd: Int32
    let fileSize: UInt64
    let sections: [Section]

    /// Reads the headers of the file open at `fd` (not closed here).
    init(fd: Int32) throws {
        self.fd = fd
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_size > 0 else { throw GoSymbolError.unreadable("cannot stat") }
        fileSize = UInt64(status.st_size)
        var raw = [memhound_elf_section](repeating: memhound_elf_section(), count: 64)
        var n = raw.withUnsafeMutableBufferPointer { memhound_elf_read_sections(fd, $0.baseAddress, UInt32($0.count)) }
        if n > Int32(raw.count) {
            raw = [memhound_elf_section](repeating: memhound_elf_section(), count: Int(n))
            n = raw.withUnsafeMutableBufferPointer { memhound_elf_read_sections(fd, $0.baseAddress, UInt32($0.count)) }
        }
        guard n > 0 else { throw GoSymbolError.unreadable("not a 64-bit ELF file with section headers") }
        sections = raw.prefix(min(Int(n), raw.count)).map { s in
            var name = s.name
            let text = withUnsafeBytes(of: &name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return Section(name: text, type: s.type, address: s.addr, offset: s.offset, size: s.size)
        }
    }

    func named(_ name: String) -> Section? { sections.first { $0.name == name } }

    /// The allocated section whose address range holds `address`.
    func containing(address: UInt64) -> Section? {
        sections.first { $0.address != 0 && address >= $0.address && address - $0.address < $0.size }
    }

    /// The bytes of `section` from `address` to its end, at most `maxSectionBytes`.
    func bytes(of section: Section, from address: UInt64? = nil) throws -> [UInt8] {
        guard section.type != Self.sectionNoBits else { return [] }
        let skip = (address ?? section.address) &- section.address
        guard skip <= section.size else { return [] }
        let size = section.size - skip
        guard size <= Self.maxSectionBytes else { throw GoSymbolError.tooLarge("\(section.name) has \(size) bytes") }
        let (offset, overflow) = section.offset.addingReportingOverflow(skip)
        // Checked against the file first, so a lying header cannot make us allocate.
        guard !overflow, offset <= fileSize, size <= fileSize - offset else {
            throw GoSymbolError.unreadable("\(section.name) lies outside the file")
        }
        let out = try Self.read(fd, offset: offset, count: Int(size))
        guard out.count == Int(size) else { throw GoSymbolError.unreadable("\(section.name) is truncated") }
        return out
    }

    /// Up to `count` bytes at `offset`; fewer at the end of the file.
    static func read(_ fd: Int32, offset: UInt64, count: Int) throws -> [UInt8] {
        guard offset <= UInt64(Int64.max), count >= 0 else { throw GoSymbolError.unreadable("offset \(offset)") }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw GoSymbolError.unreadable(String(cString: strerror(errno))) }
            if n == 0 { break }
            done += n
        }
        return Array(buffer.prefix(done))
    }
}

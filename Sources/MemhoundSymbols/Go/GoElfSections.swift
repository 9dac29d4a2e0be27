import Glibc

/// The section headers of an ELF64 little-endian file, read with pread and
/// checked at every step: the file may come from a hostile container.
/// Only what the Go reader needs; symbol lookup stays with libdwfl.
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
        let header = try Self.read(fd, offset: 0, count: 64)
        let h = GoByteView(header)
        // \x7fELF, 64-bit, little-endian, x86-64 or any machine: the layout is what matters.
        guard header.count == 64, header[0..<4] == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1,
              let tableOffset = h.u64(0x28), let entrySize = h.u16(0x3A),
              let count = h.u16(0x3C).map(Int.init), let namesIndex = h.u16(0x3E).map(Int.init)
        else { throw GoSymbolError.unreadable("not a 64-bit little-endian ELF file") }
        guard entrySize == 64, count > 0, namesIndex < count else {
            throw GoSymbolError.unreadable("no usable section headers")
        }
        let table = GoByteView(try Self.read(fd, offset: tableOffset, count: count * 64))
        guard table.count == count * 64 else { throw GoSymbolError.unreadable("section headers truncated") }
        var raw: [(nameOffset: UInt32, section: Section)] = []
        for i in 0..<count {
            let b = i * 64
            guard let name = table.u32(b), let type = table.u32(b + 4), let address = table.u64(b + 0x10),
                  let offset = table.u64(b + 0x18), let size = table.u64(b + 0x20) else { continue }
            raw.append((name, Section(name: "", type: type, address: address, offset: offset, size: size)))
        }
        let names = raw[namesIndex].section
        let strings = GoByteView(try Self.read(fd, offset: names.offset, count: Int(min(names.size, 1 << 20))))
        sections = raw.map { entry in
            var s = entry.section
            s.name = strings.cString(Int(entry.nameOffset), limit: 256) ?? ""
            return s
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

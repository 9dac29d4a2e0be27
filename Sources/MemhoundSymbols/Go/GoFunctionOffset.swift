import Glibc

extension GoSymbolTable {
    /// The entry of the function named `name` (link-time address), scanning the function table
    /// once: for the few runtime functions memhound probes.
    public func entry(ofFunction name: String) -> UInt64? {
        for index in 0..<functionCount {
            if let f = function(at: index), f.name == name { return f.entry }
        }
        return nil
    }

    /// Where a uprobe goes for the function `name` of the Go binary at `path`: its entry's offset in
    /// the file (what the kernel's uprobes take). Nil when it is not a Go binary or has no such
    /// function; works on stripped binaries (the pclntab names functions).
    public static func fileOffset(ofFunction name: String, elfPath path: String) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let elf = try? GoElfSections(fd: fd),
              let table = try? load(fileDescriptor: fd),
              let entry = table.entry(ofFunction: name),
              let text = elf.containing(address: entry) else { return nil }
        return text.offset + (entry - text.address)
    }
}

import Glibc
import MemhoundProc

/// One frame of a user stack, resolved as far as the binaries allow.
public struct SymbolizedFrame: Equatable, Sendable {
    public var address: UInt64
    public var function: String?
    /// Path of the mapped file, "[anon]" for anonymous code, "[unknown]" when unmapped.
    public var module: String
    /// Link-time address inside the module (what addr2line takes).
    public var moduleOffset: UInt64
    public var symbolOffset: UInt64?
    public var file: String?
    public var line: Int?
    /// A function the compiler inlined into the next frame (same address).
    public var inlined = false
    /// The symbol as the binary spells it, when `function` is its demangled form.
    public var mangled: String?
    /// The mapped file was deleted or replaced since it was mapped (`module` is its path then).
    public var moduleDeleted = false
    /// The module's GNU build id (NT_GNU_BUILD_ID), lowercase hex, when it has one.
    public var buildID: String?
}

/// Turns user stacks into frames. Process maps are remembered from first sight
/// and files are cached per (device, inode), so stacks of a process that has
/// since exited still resolve.
public final class Symbolizer {
    let proc: ProcFS
    private var maps: [Int32: [MemoryMapping]] = [:]
    private var mapsTexts: [Int32: String] = [:]
    /// When each snapshot's read began (CLOCK_MONOTONIC ns, the kernel's record clock).
    private var snapshotNs: [Int32: UInt64] = [:]
    private var unwinders: [Int32: DwarfUnwinder?] = [:]
    /// Processes whose syscall stacks are unwound from copies (not Go).
    private var unwound: Set<Int32> = []
    private var files: [FileKey: ElfFile?] = [:]
    /// Frames and frame rules by process and code address (see AddressKey):
    /// stacks share most of their addresses. Dropped with the maps snapshot.
    private var addressFrames: [Int32: [AddressKey: [SymbolizedFrame]]] = [:]
    var addressRules: [Int32: [UInt64: ElfFile.FrameRule]] = [:]

    private struct AddressKey: Hashable {
        var address: UInt64
        var lookup: UInt64
    }

    private struct FileKey: Hashable {
        var device: String
        var inode: UInt64
    }

    public init(proc: ProcFS) { self.proc = proc }

    /// Reads the process's maps now; call at first sight and when new code is mapped.
    public func observe(pid: Int32) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        guard let text = try? proc.mapsText(pid: pid) else { return }
        let current = MemoryMapping.parseMaps(text)
        guard !current.isEmpty else { return }
        maps[pid] = current
        mapsTexts[pid] = text
        snapshotNs[pid] = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        unwinders[pid] = nil
        addressFrames[pid] = nil
        addressRules[pid] = nil
        // Built now, while the process's files can still be opened through /proc/PID/root.
        if unwound.contains(pid) { _ = unwinder(pid: pid) }
        // Open executable files while the process (and its mount namespace) exists.
        for m in current where m.isExecutable && m.filePath != nil {
            _ = elf(for: m, pid: pid)
        }
    }

    /// A forked child: its address space is a copy of its parent's, so it starts from the parent's
    /// snapshot, then reads its own. A child that exits before memhound sees it still resolves.
    public func observe(pid: Int32, forkedFrom parent: Int32) {
        if let inherited = maps[parent], let text = mapsTexts[parent] {
            forgetSnapshot(pid: pid)
            maps[pid] = inherited
            mapsTexts[pid] = text
            snapshotNs[pid] = 0  // the parent's address space: never what a later exec started
        }
        observe(pid: pid)
    }

    /// The process exec'd a new program at `execNs` (the kernel's clock): a snapshot read before
    /// then describes the old address space and is dropped; one read since (the exec record came
    /// late) is the new program's and stays, should the process be gone now.
    public func observeExec(pid: Int32, execNs: UInt64) {
        if (snapshotNs[pid] ?? 0) <= execNs { forgetSnapshot(pid: pid) }
        observe(pid: pid)
    }

    private func forgetSnapshot(pid: Int32) {
        maps[pid] = nil
        mapsTexts[pid] = nil
        snapshotNs[pid] = nil
        unwinders[pid] = nil
        addressFrames[pid] = nil
        addressRules[pid] = nil
    }

    /// Keeps an unwinder ready for the process from each maps snapshot on.
    public func prepareUnwinding(pid: Int32, _ on: Bool) {
        if on { unwound.insert(pid) } else { unwound.remove(pid) }
    }

    public func forget(pid: Int32) {
        unwound.remove(pid)
        forgetSnapshot(pid: pid)
    }

    /// The process's unwinder for its latest maps snapshot, built on first use.
    func unwinder(pid: Int32) -> DwarfUnwinder? {
        if let cached = unwinders[pid] { return cached }
        if mapsTexts[pid] == nil { observe(pid: pid) }
        guard let text = mapsTexts[pid] else { return nil }
        let built = DwarfUnwinder(pid: pid, mapsText: text, root: proc.path("proc/\(pid)/root"))
        unwinders[pid] = .some(built)
        return built
    }

    /// Frames for `addresses` (leaf first, as the kernel captured them).
    /// `wordAtSP` is the word at the user sp at capture time: when it is a
    /// return address the frame-pointer chain skipped (a frameless leaf such as
    /// memset or a syscall wrapper), it is put back as the leaf's caller.
    public func symbolize(pid: Int32, addresses: [UInt64], wordAtSP: UInt64 = 0) -> [SymbolizedFrame] {
        refreshIfNeeded(pid: pid, addresses: addresses)
        var addresses = addresses
        if !addresses.isEmpty, wordAtSP != 0, addresses.dropFirst().first != wordAtSP,
           isReturnAddress(pid: pid, wordAtSP) {
            addresses.insert(wordAtSP, at: 1)
        }
        return addresses.enumerated().flatMap { index, address in
            // Callers' frames hold return addresses: look up the call instruction before them.
            frames(pid: pid, address: address, lookup: index == 0 ? address : address &- 1)
        }
    }

    /// The maps name of the region holding `address` ("[heap]", "[stack]", a path), if mapped.
    public func mappingName(pid: Int32, address: UInt64) -> String? {
        guard let m = mapping(pid: pid, address: address), !m.path.isEmpty else { return nil }
        return m.path
    }

    func refreshIfNeeded(pid: Int32, addresses: [UInt64]) {
        if maps[pid] == nil || addresses.contains(where: { mapping(pid: pid, address: $0) == nil }) {
            observe(pid: pid)
        }
    }

    /// The ELF file mapped at `address` and the address's link-time value in it.
    func elfAndAddress(pid: Int32, address: UInt64) -> (ElfFile, UInt64)? {
        guard let m = mapping(pid: pid, address: address), m.isExecutable, m.filePath != nil,
              let elf = elf(for: m, pid: pid) else { return nil }
        return (elf, elf.virtualAddress(fileOffset: address - m.start &+ m.offset))
    }

    func frame(pid: Int32, address: UInt64, lookup: UInt64) -> SymbolizedFrame {
        guard let m = mapping(pid: pid, address: address) else {
            return SymbolizedFrame(address: address, module: "[unknown]", moduleOffset: address)
        }
        // A caller's lookup address is one before its return address, which in a garbage stack
        // can be a mapping's first byte (found by scripts/fuzz): stay inside the mapping.
        let fileOffset = max(lookup, m.start) - m.start &+ m.offset
        guard m.filePath != nil else {
            return SymbolizedFrame(address: address, module: m.path.isEmpty ? "[anon]" : m.path,
                                   moduleOffset: address - m.start)
        }
        let module = m.filePath ?? m.path
        guard let elf = elf(for: m, pid: pid) else {
            var f = SymbolizedFrame(address: address, module: module, moduleOffset: fileOffset)
            f.moduleDeleted = m.isDeleted
            return f
        }
        let vaddr = elf.virtualAddress(fileOffset: fileOffset)
        let symbol = elf.lookup(virtualAddress: vaddr)
        var f = SymbolizedFrame(
            address: address, function: symbol.name, module: module,
            moduleOffset: elf.virtualAddress(fileOffset: address - m.start &+ m.offset),
            symbolOffset: symbol.name == nil ? nil : symbol.offset + (address - lookup),
            file: symbol.file, line: symbol.line)
        f.moduleDeleted = m.isDeleted
        f.buildID = elf.buildID
        f.demangle()
        return f
    }

    /// The frame at `address`, preceded by a frame for each function inlined
    /// there (innermost first), from DWARF when the binary has it.
    func frames(pid: Int32, address: UInt64, lookup: UInt64) -> [SymbolizedFrame] {
        let key = AddressKey(address: address, lookup: lookup)
        if let known = addressFrames[pid]?[key] { return known }
        let found = lookUpFrames(pid: pid, address: address, lookup: lookup)
        // Only what resolved: a miss (maps or file not read yet) is looked up again next time.
        if found.allSatisfy({ $0.function != nil }) { addressFrames[pid, default: [:]][key] = found }
        return found
    }

    private func lookUpFrames(pid: Int32, address: UInt64, lookup: UInt64) -> [SymbolizedFrame] {
        let outer = frame(pid: pid, address: address, lookup: lookup)
        if let (elf, vaddr) = elfAndAddress(pid: pid, address: lookup), let go = elf.goTable {
            return goFrames(go, outer: outer, vaddr: vaddr, returnOffset: address - lookup)
        }
        guard outer.function != nil, let (elf, vaddr) = elfAndAddress(pid: pid, address: lookup) else { return [outer] }
        let chain = elf.inlines(virtualAddress: vaddr)
        guard chain.count > 1 else { return [outer] }
        var result = chain.dropLast().map { level in
            var f = outer
            f.function = level.function
            f.mangled = nil
            f.file = level.file
            f.line = level.line
            f.symbolOffset = nil
            f.inlined = true
            f.demangle()
            return f
        }
        var concrete = outer
        if let last = chain.last {
            concrete.file = last.file ?? outer.file
            concrete.line = last.line ?? outer.line
        }
        result.append(concrete)
        return result
    }

    /// Frames from Go's pclntab: the physical function last, its inlined calls before it.
    private func goFrames(_ go: GoSymbolTable, outer: SymbolizedFrame, vaddr: UInt64, returnOffset: UInt64) -> [SymbolizedFrame] {
        let chain = go.frames(at: vaddr)
        guard !chain.isEmpty else { return [outer] }
        let entry = go.function(containing: vaddr)?.entry
        return chain.map { g in
            var f = outer
            f.function = g.function
            f.file = g.file
            f.line = g.line
            f.inlined = g.inlined
            f.symbolOffset = g.inlined ? nil : entry.map { vaddr - $0 + returnOffset }
            return f
        }
    }

    /// The function containing `address` (`lookup` as in frames), without inlines.
    public func functionName(pid: Int32, address: UInt64, lookup: UInt64) -> String? {
        frame(pid: pid, address: address, lookup: lookup).function
    }

    /// True when `address` is in mapped code right after a call instruction.
    func isReturnAddress(pid: Int32, _ address: UInt64) -> Bool {
        if maps[pid] == nil { observe(pid: pid) }
        guard let m = mapping(pid: pid, address: address), m.isExecutable, m.filePath != nil,
              address - m.start >= 7, let elf = elf(for: m, pid: pid) else { return false }
        let code = elf.bytes(atFileOffset: address - m.start + m.offset - 7, count: 7)
        return code.count == 7 && CallInstruction.endsAt(code)
    }

    func mapsSnapshot(pid: Int32) -> [MemoryMapping]? { maps[pid] }

    private func mapping(pid: Int32, address: UInt64) -> MemoryMapping? {
        guard let list = maps[pid] else { return nil }
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].end <= address { low = mid + 1 } else { high = mid }
        }
        return low < list.count && list[low].start <= address ? list[low] : nil
    }

    func elf(for m: MemoryMapping, pid: Int32) -> ElfFile? {
        let key = FileKey(device: m.device, inode: m.inode)
        if let cached = files[key] { return cached }
        var opened: ElfFile?
        for candidate in proc.mappedFilePath(pid: pid, mapping: m) {
            if let e = ElfFile(path: candidate) { opened = e; break }
        }
        // Only remember failures once the process is known to have maps (not a race at start).
        files[key] = opened
        return opened
    }
}

extension SymbolizedFrame {
    /// C++ (Itanium), Swift and Rust (legacy and v0) names become readable; the
    /// binary's spelling is kept in `mangled`.
    mutating func demangle() {
        guard let name = function, let readable = Demangler.demangle(name), readable != name else { return }
        mangled = name
        function = readable
    }
}

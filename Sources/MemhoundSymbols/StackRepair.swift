import MemhoundProc

/// A user stack after checking the frame-pointer chain against the binaries' CFI.
public struct ResolvedStack: Equatable, Sendable {
    public var frames: [SymbolizedFrame]
    /// The repaired program counters (leaf exact, callers return addresses).
    public var pcs: [UInt64] = []
    /// False when the chain had to be cut before reaching the program's start
    /// (code without frame pointers): the frames above the cut are unknown.
    public var complete: Bool
}

extension Symbolizer {
    /// Frames for a frame-pointer stack captured by the kernel, repaired:
    /// - a frameless leaf (CFA = rsp + 8: memset, syscall wrappers) hides its
    ///   caller; `wordAtSP`, the word at the stack pointer, is that caller;
    /// - a frame whose function keeps no frame pointer at that point makes every
    ///   frame above it unreliable: the stack is cut there.
    public func resolve(pid: Int32, addresses: [UInt64], wordAtSP: UInt64 = 0) -> ResolvedStack {
        refreshIfNeeded(pid: pid, addresses: addresses)
        guard let leaf = addresses.first else { return ResolvedStack(frames: [], pcs: [], complete: false) }
        var pcs = [leaf]
        var callers = Array(addresses.dropFirst())
        var complete = true
        switch rule(pid: pid, lookup: leaf) {
        case .frameless:
            if wordAtSP != 0, callers.first != wordAtSP, isCode(pid: pid, wordAtSP) {
                callers.insert(wordAtSP, at: 0)
            }
        case .stackBased:
            callers = []
            complete = false
        case .framePointer:
            break
        case .unknown:
            // No CFI (Go, JIT): fall back to recognizing a return address by its call instruction.
            if wordAtSP != 0, callers.first != wordAtSP, isReturnAddress(pid: pid, wordAtSP) {
                callers.insert(wordAtSP, at: 0)
            }
        }
        for (index, pc) in callers.enumerated() {
            pcs.append(pc)
            guard rule(pid: pid, lookup: pc &- 1) == .stackBased, index + 1 < callers.count else { continue }
            // Above a function without a frame pointer the chain is noise. Cutting at
            // the C library's process or thread start loses nothing.
            complete = isRuntimeStart(pid: pid, pc)
            break
        }
        let symbolized = pcs.enumerated().flatMap { i, pc in
            self.frames(pid: pid, address: pc, lookup: i == 0 ? pc : pc &- 1)
        }
        return ResolvedStack(frames: symbolized, pcs: pcs, complete: complete)
    }

    /// Frames for a stack the kernel unwound with the binaries' CFI (bpf/unwind.bpf.h): every
    /// frame is trusted. Only a leaf no CFI covered was unwound by frame pointers, so a frameless
    /// one (Go's memclr, JIT code) gets its caller back from `wordAtSP`, as in `resolve`.
    public func resolveUnwound(pid: Int32, addresses: [UInt64], framePointerLeaf: Bool, complete: Bool,
                               wordAtSP: UInt64 = 0) -> ResolvedStack {
        refreshIfNeeded(pid: pid, addresses: addresses)
        guard let leaf = addresses.first else { return ResolvedStack(frames: [], pcs: [], complete: false) }
        var pcs = addresses
        if framePointerLeaf, wordAtSP != 0, addresses.count < 2 || addresses[1] != wordAtSP {
            switch rule(pid: pid, lookup: leaf) {
            case .frameless where isCode(pid: pid, wordAtSP):
                pcs.insert(wordAtSP, at: 1)
            case .unknown where isReturnAddress(pid: pid, wordAtSP):
                pcs.insert(wordAtSP, at: 1)
            default:
                break
            }
        }
        let symbolized = pcs.enumerated().flatMap { i, pc in
            self.frames(pid: pid, address: pc, lookup: i == 0 ? pc : pc &- 1)
        }
        return ResolvedStack(frames: symbolized, pcs: pcs, complete: complete)
    }

    /// Whether the binaries' CFI covers the code at `lookup` (Go code and JIT code have none).
    public func hasCallFrameInfo(pid: Int32, lookup: UInt64) -> Bool {
        rule(pid: pid, lookup: lookup) != .unknown
    }

    private func rule(pid: Int32, lookup: UInt64) -> ElfFile.FrameRule {
        if let known = addressRules[pid]?[lookup] { return known }
        var found = ElfFile.FrameRule.unknown
        if let (elf, vaddr) = elfAndAddress(pid: pid, address: lookup) { found = elf.frameRule(virtualAddress: vaddr) }
        addressRules[pid, default: [:]][lookup] = found
        return found
    }

    /// In mapped, executable file code.
    private func isCode(pid: Int32, _ address: UInt64) -> Bool {
        elfAndAddress(pid: pid, address: address) != nil
    }

    private func isRuntimeStart(pid: Int32, _ address: UInt64) -> Bool {
        guard let (_, _) = elfAndAddress(pid: pid, address: address) else { return false }
        let module = frame(pid: pid, address: address, lookup: address &- 1).module
        let name = module.split(separator: "/").last.map(String.init) ?? module
        return name.hasPrefix("libc.so") || name.hasPrefix("libc-") || name.hasPrefix("ld-linux")
    }
}

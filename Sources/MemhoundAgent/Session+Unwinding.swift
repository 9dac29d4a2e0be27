import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundSymbols

extension Session {
    /// A region-creating syscall whose registers and stack were copied at entry
    /// gets the CFI-unwound stack instead of the frame-pointer one.
    func withUnwoundStack(_ e: SyscallEvent) -> SyscallEvent {
        guard e.copyKey != 0, processes[e.tgid]?.isGo != true else { return e }
        let path = CallPath(tgid: e.tgid, key: e.copyKey)
        // The kernel copies a call path's stack once; later calls reuse its unwound stack.
        if let copy = caches.pendingCopies.removeValue(forKey: e.tid), copy.enterTime == e.enterTime {
            let pcs = symbolizer.unwind(pid: e.tgid, tid: e.tid, registers: copy.registers, stack: copy.stack)
            if pcs.count > 1 { caches.unwoundPaths[path] = caches.unwound.name(tgid: e.tgid, pcs: pcs) }
        }
        guard let name = caches.unwoundPaths[path] else { return e }
        var unwoundEvent = e
        unwoundEvent.stack = name
        return unwoundEvent
    }

    /// After an exec: Go programs keep frame pointers and have no CFI to unwind with, so no copies
    /// for them; any other program gets them (a Go program may exec one).
    func configureStackCopies(pid: Int32) {
        let isGo = symbolizer.isGoProgram(pid: pid)
        processes[pid]?.isGo = isGo
        symbolizer.prepareUnwinding(pid: pid, isGo != true)
        tracer.setCopyStacks(pid: pid, isGo != true)
        if isGo == true { countGoGCCycles(pid: pid) }
    }
}

/// A cut-short fault stack and the stack that created the region it touched.
struct JoinedStackKey: Hashable {
    var tgid: Int32
    var fault: StackName
    var creator: StackName
}

extension Session {
    /// The stack charged for growth of a cut-short fault stack inside a region:
    /// the fault's own frames (the touching code, with inlines), joined to the
    /// region creator's frames above the function they share. Without a
    /// shared function, the creator's stack.
    func joinedStack(_ run: PageRun, _ region: MappingOwner) -> StackName {
        let key = JoinedStackKey(tgid: run.tgid, fault: run.stack, creator: region.stack)
        if let known = caches.joined[key] { return known }
        var owner = region.stack
        if let fault = caches.repairedPCs[ProcessStack(tgid: run.tgid, stack: run.stack)], let top = fault.last,
           let creator = caches.unwound.stack(ProcessStack(tgid: run.tgid, stack: region.stack)) {
            let pid = run.tgid
            let shared = symbolizer.functionName(pid: pid, address: top, lookup: fault.count == 1 ? top : top &- 1)
            if let shared, let j = creator.dropFirst().firstIndex(where: {
                symbolizer.functionName(pid: pid, address: $0, lookup: $0 &- 1) == shared
            }) {
                owner = caches.unwound.name(tgid: pid, pcs: fault + creator[(j + 1)...])
            }
        }
        caches.joined[key] = owner
        return owner
    }
}

extension Frame {
    init(_ f: SymbolizedFrame) {
        self.init(address: EventLines.hex(f.address), function: f.function, module: f.module,
                  offset: EventLines.hex(f.moduleOffset), symbolOffset: f.symbolOffset, file: f.file, line: f.line,
                  inlined: f.inlined, mangled: f.mangled, moduleDeleted: f.moduleDeleted, buildID: f.buildID)
    }
}

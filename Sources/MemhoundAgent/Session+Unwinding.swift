import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundSymbols

/// Stacks unwound in user space from register and stack copies, given ids of
/// their own beside the kernel's stack ids so the ledger and reports treat
/// both alike.
struct UnwoundStacks {
    /// Far above any id of the kernel's stack map.
    static let firstID: Int32 = 1 << 24

    private var ids: [Int32: [[UInt64]: Int32]] = [:]
    private var stacks: [SiteKey: [UInt64]] = [:]
    private var next = firstID

    mutating func id(tgid: Int32, pcs: [UInt64]) -> Int32 {
        if let known = ids[tgid]?[pcs] { return known }
        let id = next
        next += 1
        ids[tgid, default: [:]][pcs] = id
        stacks[SiteKey(tgid: tgid, stackID: id)] = pcs
        return id
    }

    func stack(_ key: SiteKey) -> [UInt64]? {
        key.stackID >= Self.firstID ? stacks[key] : nil
    }

    /// Drops a process's stacks (it exited or changed program); their ids are not reused.
    mutating func forget(tgid: Int32) {
        ids[tgid] = nil
        stacks = stacks.filter { $0.key.tgid != tgid }
    }
}

extension Session {
    /// A region-creating syscall whose registers and stack were copied at entry
    /// gets the CFI-unwound stack instead of the frame-pointer one.
    func withUnwoundStack(_ e: SyscallEvent) -> SyscallEvent {
        guard e.snapshotKey != 0, processes[e.tgid]?.isGo != true else { return e }
        let path = CallPath(tgid: e.tgid, key: e.snapshotKey)
        // The kernel copies a call path's stack once; later calls reuse its unwound stack.
        if let snapshot = pendingSnapshots.removeValue(forKey: e.tid), snapshot.enterTime == e.enterTime {
            let pcs = symbolizer.unwind(pid: e.tgid, tid: e.tid, registers: snapshot.registers, stack: snapshot.stack)
            if pcs.count > 1 { unwoundPaths[path] = unwound.id(tgid: e.tgid, pcs: pcs) }
        }
        guard let id = unwoundPaths[path] else { return e }
        var unwoundEvent = e
        unwoundEvent.stackID = id
        return unwoundEvent
    }

    /// Go programs keep frame pointers and have no CFI to unwind with: no copies for them.
    func configureSnapshots(pid: Int32) {
        let isGo = symbolizer.isGoProgram(pid: pid)
        processes[pid]?.isGo = isGo
        symbolizer.prepareUnwinding(pid: pid, isGo != true)
        if isGo == true { tracer.setSnapshotStacks(pid: pid, false) }
    }
}

/// A process's call path, as the kernel keys stack copies.
struct CallPath: Hashable {
    var tgid: Int32
    var key: UInt64
}

/// A cut-short fault stack and the stack that created the region it touched.
struct StitchKey: Hashable {
    var tgid: Int32
    var fault: Int32
    var creator: Int32
}

extension Session {
    /// The stack charged for growth of a cut-short fault stack inside a region:
    /// the fault's own frames (the touching code, with inlines), continued by
    /// the region creator's frames above the function they share. Without a
    /// shared function, the creator's stack.
    func stitchedOwner(_ run: ResidentRun, _ region: MappingOwner) -> Int32 {
        let key = StitchKey(tgid: run.tgid, fault: run.stackID, creator: region.stackID)
        if let known = stitched[key] { return known }
        var owner = region.stackID
        if let fault = repairedPCs[SiteKey(tgid: run.tgid, stackID: run.stackID)], let top = fault.last,
           let creator = unwound.stack(SiteKey(tgid: run.tgid, stackID: region.stackID)) {
            let pid = run.tgid
            let shared = symbolizer.functionName(pid: pid, address: top, lookup: fault.count == 1 ? top : top &- 1)
            if let shared, let j = creator.dropFirst().firstIndex(where: {
                symbolizer.functionName(pid: pid, address: $0, lookup: $0 &- 1) == shared
            }) {
                owner = unwound.id(tgid: pid, pcs: fault + creator[(j + 1)...])
            }
        }
        stitched[key] = owner
        return owner
    }
}

extension Frame {
    init(_ f: SymbolizedFrame) {
        self.init(address: EventLines.hex(f.address), function: f.function, module: f.module,
                  offset: EventLines.hex(f.moduleOffset), symbolOffset: f.symbolOffset, file: f.file, line: f.line,
                  inlined: f.inlined, mangled: f.mangled, moduleDeleted: f.moduleDeleted)
    }
}

import MemhoundABI
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

/// --check-unwind's tallies per process.
struct UnwindCheckCounts {
    private var byPid: [Int32: UnwindCheck] = [:]

    /// `comparable`: how many frames libdwfl can be held to (it has no rules past code without CFI).
    mutating func add(pid: Int32, kernel: [UInt64], libdwfl: [UInt64], comparable: Int) {
        // A copy libdwfl could not unwind past its leaf says nothing either way.
        guard libdwfl.count >= 2 else { return }
        var check = byPid[pid] ?? UnwindCheck()
        let common = min(kernel.count, libdwfl.count, comparable)
        let libdwfl = Array(libdwfl.prefix(comparable)), kernel = comparable < kernel.count ? Array(kernel.prefix(comparable)) : kernel
        check.compared += 1
        check.frames += UInt64(common)
        // The copy ends MH_STACK_COPY_MAX bytes above sp, so libdwfl may stop first; it must not go further.
        if kernel.prefix(common) != libdwfl.prefix(common) || libdwfl.count > kernel.count {
            check.disagreed += 1
            if check.examples.count < 3 {
                check.examples.append(UnwindDisagreement(kernel: kernel.map(EventLines.hex), libdwfl: libdwfl.map(EventLines.hex)))
            }
        }
        byPid[pid] = check
    }

    func counts(pid: Int32) -> UnwindCheck { byPid[pid] ?? UnwindCheck() }
}

extension Session {
    static let switchesStacks: Set<String> = [
        "runtime.systemstack", "runtime.mcall", "runtime.asmcgocall", "runtime.morestack", "runtime.cgocallback",
        "runtime.systemstack_switch", "crosscall2", "runtime.mstart", "runtime.rt0_go",
    ]

    /// A fault's stack copied for the check: libdwfl unwinds it, and its frames are compared with
    /// the kernel's for the same fault (the stack id in the copy's key).
    func checkUnwind(_ copy: StackCopy) {
        let id = KernelStackID(raw: Int32(bitPattern: UInt32(truncatingIfNeeded: copy.key)))
        let name = tracer.stackName(id)
        let raw = tracer.frames(name)
        guard !raw.isEmpty else { return }
        // What memhound reports: a frame-pointer leaf gets its caller back from the word at sp,
        // which is the copy's first word.
        let flags = tracer.stackFlags(name)
        let wordAtSP = copy.stack.count >= 8 ? copy.stack.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } : 0
        let kernel = symbolizer.resolveUnwound(pid: copy.tgid, addresses: raw,
                                               framePointerLeaf: flags & UInt32(MH_STACK_FP_LEAF.rawValue) != 0,
                                               complete: true, wordAtSP: wordAtSP).pcs
        let libdwfl = symbolizer.unwind(pid: copy.tgid, tid: copy.tid, registers: copy.registers, stack: copy.stack)
        // Frames up to the first in code libdwfl has no rules for (JIT code), or that switches stacks
        // (Go's systemstack, mcall, asmcgocall: their CFI describes one stack, their callers are on
        // another; the kernel follows the frame pointers there). libdwfl guesses past those.
        var comparable = kernel.count
        for (i, pc) in kernel.enumerated() {
            let lookup = i == 0 ? pc : pc &- 1
            var name = symbolizer.functionName(pid: copy.tgid, address: pc, lookup: lookup) ?? ""
            if name.hasSuffix(".abi0") { name.removeLast(5) }
            if !symbolizer.hasCallFrameInfo(pid: copy.tgid, lookup: lookup) || Self.switchesStacks.contains(name) {
                comparable = i + 1
                break
            }
        }
        unwindCheck.add(pid: copy.tgid, kernel: kernel, libdwfl: libdwfl, comparable: comparable)
    }
}

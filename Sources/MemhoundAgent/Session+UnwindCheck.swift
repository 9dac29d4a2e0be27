import MemhoundABI
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput

/// --check-unwind's tallies per process.
struct UnwindCheckCounts {
    private var byPid: [Int32: UnwindCheck] = [:]

    mutating func add(pid: Int32, kernel: [UInt64], libdwfl: [UInt64]) {
        // A copy libdwfl could not unwind past its leaf says nothing either way.
        guard libdwfl.count >= 2 else { return }
        var check = byPid[pid] ?? UnwindCheck()
        let common = min(kernel.count, libdwfl.count)
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
    /// A fault's stack copied for the check: libdwfl unwinds it, and its frames are compared with
    /// the kernel's for the same fault (the stack id in the copy's key).
    func checkUnwind(_ copy: StackCopy) {
        let id = KernelStackID(raw: Int32(bitPattern: UInt32(truncatingIfNeeded: copy.key)))
        let kernel = tracer.frames(tracer.stackName(id))
        guard !kernel.isEmpty else { return }
        let libdwfl = symbolizer.unwind(pid: copy.tgid, tid: copy.tid, registers: copy.registers, stack: copy.stack)
        unwindCheck.add(pid: copy.tgid, kernel: kernel, libdwfl: libdwfl)
    }
}

import MemhoundABI
import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundSymbols

/// Each record from the kernel, in order: to the ledger, to event lines, to process lifecycle.
extension Session {
    func handle(_ incoming: Record) throws {
        var record = incoming
        if case let .syscall(e) = incoming { record = .syscall(withUnwoundStack(e)) }
        // Decided before applying: the rules read the ledger that apply changes.
        var runCharge = Accounting.RunCharge()
        if case let .pages(run) = record { runCharge = charge(for: run) }
        accounting.apply(record, charge: runCharge) { run, region in joinedStack(run, region) }
        switch record {
        case let .stackCopy(copy):
            if copy.key >> UInt64(MH_CHECK_COPY_BIT) & 1 != 0 {
                checkUnwind(copy)
            } else {
                caches.pendingCopies[copy.tid] = copy
            }
        case let .syscall(e):
            rememberWordAtSP(ProcessStack(tgid: e.tgid, stack: e.stack), e.wordAtSP)
            // New code mapped (shared libraries): re-read maps now, while the process lives,
            // so that its stacks still resolve if it exits before the next report.
            if e.syscall == .mmap, !e.failed, e.args[2] & 0x4 != 0 {
                symbolizer.observe(pid: e.tgid)
                loadUnwindTables(pid: e.tgid)
            }
            if options.events.contains(EventKind(e.syscall)) {
                try writer.write(EventLines.syscall(
                    e, time: clock.rfc3339(monotonicNs: e.exitTime),
                    frames: frames(ProcessStack(tgid: e.tgid, stack: e.stack))), droppable: true)
            }
        case let .pages(r):
            rememberWordAtSP(ProcessStack(tgid: r.tgid, stack: r.stack), r.wordAtSP)
            if options.events.contains(.rss) {
                try writer.write(EventLines.growth(
                    r, time: clock.rfc3339(monotonicNs: r.lastTime),
                    frames: frames(ProcessStack(tgid: r.tgid, stack: r.stack))), droppable: true)
            }
        case let .process(p):
            try handle(p)
        case let .tcpRetransmit(r):
            try handle(r)
        case let .oomKill(k):
            // Written after this poll's late records, before the victim's exit drops its state.
            if processes[k.tgid] != nil || k.untraced { oomKillsAwaitingLine.append(k) }
        }
    }

    private func handle(_ p: ProcessEvent) throws {
        let time = clock.rfc3339(monotonicNs: p.time)
        switch p.kind {
        case .fork:
            // A pid seen before belonged to a process that has exited: nothing of it carries over.
            if processes[p.tgid] != nil { forgetProcess(p.tgid) }
            // The anon baseline is the kernel's counter at birth (what it shares with its parent):
            // /proc, read later, would already include the child's own growth.
            let status = try? proc.status(pid: p.tgid)
            var baseline = status.map(MemoryBytes.init) ?? .zero
            baseline.anon = Int64(p.anonBytes)
            processes[p.tgid] = TracedProcess(pid: p.tgid, comm: p.comm, baseline: baseline)
            if let own = status?.nsPids.last, own != p.tgid { processes[p.tgid]?.nsPid = own }
            let parentIsGo = processes[p.parentTgid]?.isGo
            processes[p.tgid]?.isGo = parentIsGo
            symbolizer.prepareUnwinding(pid: p.tgid, parentIsGo != true)
            symbolizer.observe(pid: p.tgid, forkedFrom: p.parentTgid)
            loadUnwindTables(pid: p.tgid)
            let line = ProcessLine(type: "fork", time: time, pid: p.tgid, parentPid: p.parentTgid, comm: p.comm)
            try writer.write(line)
            publish(.process(line))
        case .exec:
            // A new program starts with an empty address space and no sites (the kernel dropped them).
            if processes[p.tgid] == nil, spec.isWatch {
                // The watch rules took it at this exec (it entered a watched cgroup after its fork).
                processes[p.tgid] = TracedProcess(pid: p.tgid, comm: p.comm, baseline: .zero)
                noteOwnPid(p.tgid)
            } else if var traced = processes[p.tgid] {
                traced.comm = p.comm
                traced.baseline = .zero
                traced.latest = .zero
                processes[p.tgid] = traced
                tracer.forgetRecycledGrowth(pid: p.tgid)
                caches.forget(pid: p.tgid)
            }
            configureStackCopies(pid: p.tgid)
            symbolizer.observeExec(pid: p.tgid, execNs: p.time)
            preloadUnwindTables(program: proc.path("proc/\(p.tgid)/exe"), origin: "", root: proc.path("proc/\(p.tgid)/root"))
            loadUnwindTables(pid: p.tgid)
            let line = ProcessLine(type: "exec", time: time, pid: p.tgid, parentPid: nil, comm: p.comm)
            try writer.write(line)
            publish(.process(line))
        case .join:
            // Moved into a watched cgroup while running: its memory until now is its baseline.
            if processes[p.tgid] != nil { forgetProcess(p.tgid) }
            try adopt(p.tgid, comm: p.comm, anonBaseline: Int64(p.anonBytes), time: time)
        case .exit:
            guard var traced = processes[p.tgid], !traced.exited else { return }
            traced.exitStatus = p.exitStatus
            traced.anonAtExit = p.anonBytes
            // What the process held just before teardown, by the kernel's own counter.
            traced.latest.anon = Int64(p.anonBytes)
            processes[p.tgid] = traced
            // After this poll's late records (the overflow table's), which may be older than the exit.
            if p.tgid != mainPid { exitedAwaitingFinal.append(p.tgid) }
        }
    }

    /// Drops everything known of a pid, before the pid is reused by a new process.
    func forgetProcess(_ pid: Int32) {
        tracer.forgetGoGCCycles(pid: pid)
        processes[pid] = nil
        accounting.forget(pid)
        tracer.forgetStackGrowth(pid: pid)
        symbolizer.forget(pid: pid)
        caches.forget(pid: pid)
        forgetUnwindTables(pid: pid)
    }
}

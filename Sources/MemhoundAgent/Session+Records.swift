import CMemhound
import Glibc
import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundSymbols

extension Session {
    func handle(_ incoming: Record) throws {
        var record = incoming
        if case let .syscall(e) = incoming { record = .syscall(withUnwoundStack(e)) }
        // Decided before applying: the rules read the ledger that apply changes.
        var runCharge = Accounting.RunCharge()
        if case let .run(run) = record { runCharge = charge(for: run) }
        accounting.apply(record, charge: runCharge) { run, region in stitchedOwner(run, region) }
        switch record {
        case let .userStack(snapshot):
            pendingSnapshots[snapshot.tid] = snapshot
        case let .syscall(e):
            rememberLeaf(SiteKey(tgid: e.tgid, stackID: e.stackID), e.leafReturn)
            // New code mapped (shared libraries): re-read maps now, while the process lives,
            // so that its stacks still resolve if it exits before the next report.
            if e.syscall == .mmap, !e.failed, e.args[2] & 0x4 != 0 { symbolizer.observe(pid: e.tgid) }
            if options.events.contains(EventKind(e.syscall)) {
                try writer.write(EventLines.syscall(
                    e, time: clock.rfc3339(monotonicNs: e.exitTime),
                    frames: frames(SiteKey(tgid: e.tgid, stackID: e.stackID))), droppable: true)
            }
        case let .run(r):
            rememberLeaf(SiteKey(tgid: r.tgid, stackID: r.stackID), r.leafReturn)
            if options.events.contains(.rss) {
                try writer.write(EventLines.growth(
                    r, time: clock.rfc3339(monotonicNs: r.lastTime),
                    frames: frames(SiteKey(tgid: r.tgid, stackID: r.stackID))), droppable: true)
            }
        case let .process(p):
            try handle(p)
        case let .tcpRetransmit(r):
            try handle(r)
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
            var baseline = (try? proc.status(pid: p.tgid)).map(MemoryBytes.init) ?? .zero
            baseline.anon = Int64(p.anonBytes)
            processes[p.tgid] = TracedProcess(pid: p.tgid, comm: p.comm, baseline: baseline)
            let parentIsGo = processes[p.parentTgid]?.isGo
            processes[p.tgid]?.isGo = parentIsGo
            symbolizer.prepareUnwinding(pid: p.tgid, parentIsGo != true)
            symbolizer.observe(pid: p.tgid)
            try writer.write(ProcessLine(type: "fork", time: time, pid: p.tgid, parentPid: p.parentTgid, comm: p.comm))
        case .exec:
            // A new program starts with an empty address space and no sites (the kernel dropped them).
            if var traced = processes[p.tgid] {
                traced.comm = p.comm
                traced.baseline = .zero
                traced.latest = .zero
                processes[p.tgid] = traced
                tracer.forgetHarvested(pid: p.tgid)
                forgetCaches(p.tgid)
            }
            configureSnapshots(pid: p.tgid)
            symbolizer.observe(pid: p.tgid)
            try writer.write(ProcessLine(type: "exec", time: time, pid: p.tgid, parentPid: nil, comm: p.comm))
        case .exit:
            guard var traced = processes[p.tgid], !traced.exited else { return }
            traced.exitStatus = p.exitStatus
            traced.anonAtExit = p.anonBytes
            // What the process held just before teardown, by the kernel's own counter.
            traced.latest.anon = Int64(p.anonBytes)
            processes[p.tgid] = traced
            if p.tgid != mainPid { try writeFinal(pid: p.tgid) }
        }
    }

    /// Every interval: a /proc sample and a report per live process, and losses if any.
    /// The figures of one instant: the kernel's site table is read at `cutoff`, the records made
    /// up to then are applied before the reports and the newer ones after, so a release the kernel
    /// has counted is charged in the same report as the growth it undoes.
    func writePeriodic() throws {
        let cutoff = MonotonicClock.nowNs()
        let growth = siteGrowth()
        let later = try drain(upTo: cutoff)
        for pid in orderedPids() {
            guard let p = processes[pid], !p.exited else { continue }
            sample(pid)
            // A later report supersedes this one: it may be dropped when the output falls behind.
            try writer.write(report(pid: pid, final: false, growth: growth), droppable: true)
        }
        try writeLostIfChanged()
        for record in later { try handle(record) }
    }

    /// Reads /proc for `pid` and writes its `rss` line; false once the process is gone.
    @discardableResult
    func sample(_ pid: Int32) -> Bool {
        guard let status = try? proc.status(pid: pid), status.hasMemory else { return false }
        var line = RSSLine(time: Timestamp.now(), pid: pid, anon: status.rssAnon, file: status.rssFile,
                           shmem: status.rssShmem, swap: status.vmSwap)
        if let rollup = try? proc.smapsRollup(pid: pid) {
            line.pss = rollup.pss
            line.pssAnon = rollup.pssAnon
            line.pssFile = rollup.pssFile
            line.pssShmem = rollup.pssShmem
        }
        if let cgroup = proc.cgroupMemory(pid: pid) {
            line.cgroup = cgroup.path
            line.cgroupMemoryCurrent = cgroup.current
        }
        processes[pid]?.latest = MemoryBytes(status)
        // A program may rename itself (prctl PR_SET_NAME, pthread_setname_np on its main thread).
        processes[pid]?.comm = status.name
        try? writer.write(line, droppable: true)
        return true
    }

    func report(pid: Int32, final: Bool, growth: [SiteKey: SiteGrowth]) -> ReportLine {
        if let counters = tracer.target(pid: pid) { processes[pid]?.counters = counters }
        let p = processes[pid]!
        let ledger = accounting.processes[pid]
        let builder = ReportBuilder(top: options.top)
        let now = MonotonicClock.nowNs()
        let stats = try? tracer.stats()
        var line = builder.report(
            process: p, final: final, time: Timestamp.now(), nowNs: now,
            elapsed: Double(now - startNs) / 1e9,
            totals: builder.sites(pid: pid, growth: growth, ledger: ledger),
            unownedRelease: ledger?.unownedRelease ?? 0, reclaimedUnseen: ledger?.reclaimedUnseen ?? 0,
            lost: lostCounts(stats),
            frames: { self.frames(SiteKey(tgid: pid, stackID: $0)) })
        line.tcp = tcpReport(pid: pid)
        line.sampleEvery = options.sampleEvery
        if let s = stats {
            line.stackWalks = StackWalks(walked: s.stacksWalked, reused: s.stacksReused,
                                         mismatched: s.stackMismatches, checked: options.checkStackReuse,
                                         collided: s.stacksCollided)
            line.stackWalks.recycled = tracer.recycledSets
            line.stackWalks.expired = tracer.expiredStackIDs
            line.stackWalks.retired = tracer.retiredNames
        }
        return line
    }

    /// A process's final report and exit line; it then leaves the kernel's target set.
    func writeFinal(pid: Int32) throws {
        guard var p = processes[pid], !p.finalWritten else { return }
        if !p.exited { sample(pid) }
        let final = report(pid: pid, final: true, growth: siteGrowth())
        if pid == mainPid { mainFinalReport = final }
        try writer.write(final)
        p = processes[pid]!
        p.finalWritten = true
        processes[pid] = p
        if pid == mainPid, let status = childWaitStatus ?? p.exitStatus {
            let (code, signal) = describeWaitStatus(status)
            try writer.write(ExitLine(time: Timestamp.now(), pid: pid, exitCode: code, signal: signal, anonAtExit: p.anonAtExit))
        } else if let status = p.exitStatus {
            let (code, signal) = describeWaitStatus(status)
            try writer.write(ExitLine(time: Timestamp.now(), pid: pid, exitCode: code, signal: signal, anonAtExit: p.anonAtExit))
        }
        if p.exited || pid == mainPid {
            tracer.removeTarget(pid: pid)
            forgetTCP(pid: pid)
        }
        // A followed child that is gone leaves nothing behind, in the kernel's tables or here:
        // a service forking short-lived children for days must not grow memhound.
        if p.exited, pid != mainPid {
            forgetProcess(pid)
            tracer.forgetPid(pid)
        }
    }

    /// The end: stop a child we started, drain, and write every final report.
    func finish(signal: Int32) throws {
        if signal != 0 || childWaitStatus == nil {
            // Interrupted or out of time: a command we started is stopped, not left behind.
            stopChild(signal: signal != 0 ? signal : SIGTERM)
        }
        try drain(timeoutMs: 0, untilEmpty: true)
        if let status = childWaitStatus, processes[mainPid]?.exitStatus == nil {
            processes[mainPid]?.exitStatus = status
        }
        for pid in orderedPids() {
            try writeFinal(pid: pid)
        }
        try writeLostIfChanged()
        // Everything asked for is written before memhound exits; a further signal gives up waiting.
        let signals = memhound_signals_received()
        if try !writer.flush(giveUp: { memhound_signals_received() != signals }) {
            throw AgentError(.output, "output still blocked after a second signal: \(writer.pendingBytes) bytes of lines were not written")
        }
    }

    /// The kernel's growth table, remembering each stack's leaf candidate.
    /// A failed read is said on stderr and the last table read stands in: an empty one would
    /// publish every site as gone.
    func siteGrowth() -> [SiteKey: SiteGrowth] {
        do {
            let growth = try tracer.siteGrowth()
            for (key, g) in growth { rememberLeaf(key, g.leafReturn) }
            lastSiteGrowth = growth
            return growth
        } catch {
            Diagnostics.warn("\(error.description); this report uses the site table read before")
            return lastSiteGrowth
        }
    }

    /// Keeps the first candidate caller seen for a stack of a frameless leaf.
    func rememberLeaf(_ key: SiteKey, _ leafReturn: UInt64) {
        if leafReturn != 0, leafReturns[key] == nil { leafReturns[key] = leafReturn }
    }

    /// Drops everything known of a pid, before the pid is reused by a new process.
    func forgetProcess(_ pid: Int32) {
        processes[pid] = nil
        accounting.forget(pid)
        tracer.forgetSites(pid: pid)
        symbolizer.forget(pid: pid)
        forgetCaches(pid)
    }

    /// Drops what was derived from a pid's stacks and maps (its program changed or it is gone).
    func forgetCaches(_ pid: Int32) {
        frameCache.forget(pid)
        leafReturns.forget(pid)
        stackComplete.forget(pid)
        repairedPCs.forget(pid)
        unwoundPaths.forget(pid)
        categoryCache.forget(pid)
        stitched.forget(pid)
        unwound.forget(tgid: pid)
        pendingSnapshots = pendingSnapshots.filter { $0.value.tgid != pid }
    }

    /// The main target first, then the others by pid.
    func orderedPids() -> [Int32] {
        processes.keys.sorted { a, b in a == mainPid || (b != mainPid && a < b) }
    }

    /// stats: the kernel's counters when the caller has read them already.
    func lostCounts(_ stats: KernelStats? = nil) -> LostCounts {
        var lost = LostCounts()
        if let s = stats ?? (try? tracer.stats()) {
            lost.ringBuffer = s.lostRingBuffer
            lost.stacks = s.lostStacks
            lost.sites = s.lostSites
            lost.threads = s.lostThreads
            lost.addressSpaces = s.lostAddressSpaces
            lost.targets = s.lostTargets
        }
        lost.undecodable = UInt64(tracer.undecodable)
        lost.skippedRuns = tracer.missedRuns + tcp.missedRuns
        lost.outputLines = writer.droppedLines
        return lost
    }

    /// A `lost` line, and one warning on stderr, when anything more was lost since the last one.
    func writeLostIfChanged() throws {
        let lost = lostCounts()
        guard lost != reportedLost, lost.total > 0 else { return }
        Diagnostics.warn(LossWarning(before: reportedLost, now: lost).text)
        reportedLost = lost
        try writer.write(LostLine(time: Timestamp.now(), lost: lost))
    }

    /// Symbolized frames of a stack, cached: stack ids are stable for the session.
    func frames(_ key: SiteKey) -> [Frame] {
        if let cached = frameCache[key] { return cached }
        if let pcs = unwound.stack(key) {
            let result = symbolizer.symbolizeUnwound(pid: key.tgid, pcs: pcs).map(Frame.init)
            if !result.isEmpty { frameCache[key] = result }
            return result
        }
        let resolved = symbolizer.resolve(pid: key.tgid, addresses: tracer.stack(id: key.stackID),
                                          leafReturn: leafReturns[key] ?? 0)
        stackComplete[key] = resolved.complete
        repairedPCs[key] = resolved.pcs
        let result = resolved.frames.map(Frame.init)
        if !result.isEmpty { frameCache[key] = result }
        return result
    }
}

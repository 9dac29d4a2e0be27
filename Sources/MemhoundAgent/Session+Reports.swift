import CMemhoundProcess
import Glibc
import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundProc

/// Reports: periodic, final, and the end of the session.
extension Session {
    /// Every interval: a /proc sample and a report per live process, and losses if any.
    /// The figures of one instant: the kernel's site table is read at `cutoff`, the records made
    /// up to then are applied before the reports and the newer ones after, so a release the kernel
    /// has counted is charged in the same report as the growth it undoes.
    func writePeriodic() throws {
        let cutoff = MonotonicClock.nowNs()
        let growth = stackGrowth()
        let later = try drain(upTo: cutoff)
        var reports: [ReportLine] = []
        var alerts: [AlertLine] = []
        for pid in orderedPids() {
            guard let p = processes[pid], !p.exited else { continue }
            sample(pid)
            // A later report supersedes this one: it may be dropped when the output falls behind.
            var line = report(pid: pid, final: false, growth: growth)
            alerts += alertsFor(&line)
            try writeWithStacks(line, sites: \.sites, droppable: true)
            publish(.report(line))
            reports.append(line)
        }
        try writeGroups(reports, final: false, alerts: &alerts)
        try write(alerts)
        try writeLostIfChanged()
        let ringLoss = lostCounts().ringBuffer
        publish(.health(SessionHealth(attached: true, fellBehind: ringLoss > ringLossAtLastReport,
                                      reason: ringLoss > ringLossAtLastReport
                                          ? "\(ringLoss - ringLossAtLastReport) records lost since the last report: memhound fell behind the ring buffer"
                                          : nil)))
        ringLossAtLastReport = ringLoss
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
            processes[pid]?.cgroup = cgroup
            processes[pid]?.container = ContainerIdentity.parse(cgroupPath: cgroup.path)
        }
        if let own = status.nsPids.last, own != pid { processes[pid]?.nsPid = own }
        processes[pid]?.remember(anon: Int64(status.rssAnon), at: MonotonicClock.nowNs())
        processes[pid]?.latest = MemoryBytes(status)
        // A program may rename itself (prctl PR_SET_NAME, pthread_setname_np on its main thread).
        processes[pid]?.comm = status.name
        try? writer.write(line, droppable: true)
        publish(.rss(line))
        return true
    }

    func report(pid: Int32, final: Bool, growth: [ProcessStack: StackGrowth]) -> ReportLine {
        if let counters = tracer.target(pid: pid) { processes[pid]?.counters = counters }
        let p = processes[pid]!
        let ledger = accounting.processes[pid]
        let builder = ReportBuilder(top: options.top)
        let now = MonotonicClock.nowNs()
        let stats = kernelStats()
        var line = builder.report(
            process: p, final: final, time: Timestamp.now(), nowNs: now,
            elapsed: Double(now - startNs) / 1e9,
            totals: builder.sites(pid: pid, growth: growth, ledger: ledger),
            unmatchedRelease: ledger?.unmatchedRelease ?? 0, reclaimedUnseen: ledger?.reclaimedUnseen ?? 0,
            lost: lostCounts(stats),
            frames: { self.frames(ProcessStack(tgid: pid, stack: $0)) })
        line.tcp = tcpReport(pid: pid)
        line.container = p.container.map { ContainerInfo(runtime: $0.runtime, id: $0.id, podUID: $0.podUID) }
        line.nsPid = p.nsPid
        if p.countsGoGC { line.goGCCycles = tracer.goGCCycles(pid: pid) ?? 0 }
        line.sampleEvery = options.sampleEvery
        if let s = stats {
            line.stackWalks = StackWalks(walked: s.stacksWalked, reused: s.stacksReused,
                                         mismatched: s.stackMismatches, checked: options.checkStackReuse,
                                         collided: s.stacksCollided)
            line.stackWalks.recycled = tracer.recycledSets
            line.stackWalks.expired = tracer.expiredStackIDs
            line.stackWalks.retired = tracer.retiredNames
            line.stackWalks.copiesSkipped = s.stackCopiesSkipped
            line.stackWalks.unwound = s.stacksUnwound
            line.stackWalks.unwindStopped = s.unwindsStopped
            if options.checkUnwind { line.stackWalks.unwindCheck = unwindCheck.counts(pid: pid) }
        }
        return line
    }

    /// A process's final report and exit line; it then leaves the kernel's target set.
    @discardableResult
    func writeFinal(pid: Int32) throws -> ReportLine? {
        guard var p = processes[pid], !p.finalWritten else { return nil }
        if !p.exited { sample(pid) }
        var final = report(pid: pid, final: true, growth: stackGrowth())
        final.trend = alertEngine?.trend(pid: pid)
        if pid == mainPid { mainFinalReport = final }
        try writeWithStacks(final, sites: \.sites)
        publish(.report(final))
        p = processes[pid]!
        p.finalWritten = true
        processes[pid] = p
        if pid == mainPid, let status = childWaitStatus ?? p.exitStatus {
            let (code, signal) = describeWaitStatus(status)
            let exit = ExitLine(time: Timestamp.now(), pid: pid, exitCode: code, signal: signal, anonAtExit: p.anonAtExit)
            try writer.write(exit)
            publish(.exit(exit))
        } else if let status = p.exitStatus {
            let (code, signal) = describeWaitStatus(status)
            let exit = ExitLine(time: Timestamp.now(), pid: pid, exitCode: code, signal: signal, anonAtExit: p.anonAtExit)
            try writer.write(exit)
            publish(.exit(exit))
        }
        if p.exited || pid == mainPid {
            tracer.removeTarget(pid: pid)
            forgetTCP(pid: pid)
        }
        // A followed child that is gone leaves nothing behind, in the kernel's tables or here:
        // a service forking short-lived children for days must not grow memhound.
        if p.exited { try write(alertsEnded(pid: pid)) }
        if p.exited, pid != mainPid {
            countGroupExit(p)
            forgetProcess(pid)
            tracer.forgetPid(pid)
        }
        return final
    }

    /// An `oom_kill` line: the kernel's figures for the victim, its cgroup, and what memhound
    /// attributed up to now (the victim's records of this poll are in), with a warning on stderr.
    func writeOOMKill(_ k: OOMKill) throws {
        guard let p = processes[k.tgid], !k.untraced else { return try writeUntracedOOMKill(k) }
        // The kernel's count at the kill is the latest: /proc was sampled up to an interval ago.
        processes[k.tgid]?.latest.anon = Int64(k.anonRSS)
        let attribution = report(pid: k.tgid, final: false, growth: stackGrowth())
        var line = OOMKillLine(time: clock.rfc3339(monotonicNs: k.time), pid: k.tgid, tid: k.tid, comm: k.comm,
                               uid: k.uid, oomScoreAdj: k.oomScoreAdj, totalVM: k.totalVM, anonRSS: k.anonRSS,
                               fileRSS: k.fileRSS, shmemRSS: k.shmemRSS, pageTables: k.pageTables,
                               report: attribution)
        // An exiting victim's /proc/PID/cgroup already names the root (cgroup_exit moved it there):
        // the cgroup it was last sampled in is the one that killed it then.
        var live = proc.cgroupMemory(pid: k.tgid)
        if live?.path == "/", let sampled = p.cgroup, sampled.path != "/" { live = nil }
        if let cgroup = live ?? p.cgroup.flatMap({ proc.cgroupMemory(path: $0.path, version: $0.version) }) {
            line.cgroup = cgroup.path
            line.cgroupVersion = cgroup.version
            line.cgroupUsage = cgroup.current
            line.cgroupLimit = cgroup.limit
        }
        line.recentGrowth = p.recentGrowth(anon: Int64(k.anonRSS), at: k.time)
        try writeWithStacks(line, sites: \.sites)
        publish(.oomKill(line))
        let top = attribution.sites.first.map { " \(CallSite(frames: $0.frames).name) held \(TerminalText.mib($0.bytes))" } ?? ""
        Diagnostics.warn("pid \(k.tgid) (\(TerminalText.printable(k.comm, limit: 32))) was chosen by the OOM killer with \(TerminalText.mib(k.anonRSS)) anonymous"
                         + (line.cgroupLimit.map { " (its cgroup's limit: \(TerminalText.mib($0)))" } ?? "") + ";" + (top.isEmpty ? " no call site held memory" : top))
    }

    /// The OOM killer chose a process of a watched cgroup that memhound did not trace: what the
    /// kernel said, and the cgroup's figures.
    func writeUntracedOOMKill(_ k: OOMKill) throws {
        var line = OOMKillLine(time: clock.rfc3339(monotonicNs: k.time), pid: k.tgid, tid: k.tid, comm: k.comm,
                               uid: k.uid, oomScoreAdj: k.oomScoreAdj, totalVM: k.totalVM, anonRSS: k.anonRSS,
                               fileRSS: k.fileRSS, shmemRSS: k.shmemRSS, pageTables: k.pageTables, report: nil)
        if let cgroup = proc.cgroupMemory(pid: k.tgid) {
            line.cgroup = cgroup.path
            line.cgroupVersion = cgroup.version
            line.cgroupUsage = cgroup.current
            line.cgroupLimit = cgroup.limit
        }
        try writer.write(line)
        publish(.oomKill(line))
        Diagnostics.warn("pid \(k.tgid) (\(TerminalText.printable(k.comm, limit: 32))), untraced, in a watched cgroup, was chosen by the OOM killer with \(TerminalText.mib(k.anonRSS)) anonymous")
    }

    /// Final reports of children that exited during the last poll, now that its late records are in.
    func writeAwaitedFinals() throws {
        while !oomKillsAwaitingLine.isEmpty {
            try writeOOMKill(oomKillsAwaitingLine.removeFirst())
        }
        while !exitedAwaitingFinal.isEmpty {
            try writeFinal(pid: exitedAwaitingFinal.removeFirst())
        }
    }

    /// Writes a line that lists sites; with --stacks once, first the `stack` lines of the stacks not
    /// written yet, and its sites refer to them by id. Only the written JSON changes: observers get
    /// the line with its frames. Stack lines are never dropped, since later lines may refer to them.
    func writeWithStacks<Line: Encodable>(_ line: Line, sites: WritableKeyPath<Line, [SiteEntry]>,
                                          droppable: Bool = false) throws {
        let (stacks, referring) = stackLines.refer(line[keyPath: sites], time: Timestamp.now())
        for stack in stacks { try writer.write(stack) }
        var written = line
        written[keyPath: sites] = referring
        try writer.write(written, droppable: droppable)
    }

    /// The end: stop a child we started, drain, and write every final report.
    func finish(signal: Int32) throws {
        if signal != 0 || childWaitStatus == nil {
            // Interrupted or out of time: a command we started is stopped, not left behind.
            stopChild(signal: signal != 0 ? signal : SIGTERM)
        }
        // Once every traced process is gone nothing more comes: all that is left is read, however long
        // it takes (a storm's last records, kept in the overflow table, can take more than 2 s to handle).
        try drain(timeoutMs: 0, untilEmpty: true, limitNs: everyTargetIsGone ? 120_000_000_000 : 2_000_000_000)
        if let status = childWaitStatus, processes[mainPid]?.exitStatus == nil {
            processes[mainPid]?.exitStatus = status
        }
        var finals: [ReportLine] = []
        for pid in orderedPids() {
            let live = processes[pid]?.exited == false
            if let line = try writeFinal(pid: pid), live { finals.append(line) }
        }
        var unused: [AlertLine] = []
        try writeGroups(finals, final: true, alerts: &unused)
        try writeLostIfChanged()
        publish(.health(SessionHealth(attached: false, fellBehind: false, reason: "tracing has ended")))
        // Everything asked for is written before memhound exits; a further signal gives up waiting.
        let signals = memhound_signals_received()
        if try !writer.flush(giveUp: { memhound_signals_received() != signals }) {
            throw AgentError(.output, "output still blocked after a second signal: \(writer.pendingBytes) bytes of lines were not written")
        }
    }

    /// No traced process can produce records any more: each exited, was reaped (our command), or no
    /// longer exists.
    private var everyTargetIsGone: Bool {
        processes.allSatisfy { pid, traced in
            traced.exited || (pid == mainPid && childWaitStatus != nil) || (kill(pid, 0) != 0 && errno == ESRCH)
        }
    }

    /// The kernel's growth table, remembering each stack's leaf candidate.
    /// A failed read is said on stderr and the last table read stands in: an empty one would
    /// publish every site as gone.
    func stackGrowth() -> [ProcessStack: StackGrowth] {
        do {
            let growth = try tracer.stackGrowth()
            for (key, g) in growth { rememberWordAtSP(key, g.wordAtSP) }
            lastStackGrowth = growth
            return growth
        } catch {
            failedMapReads += 1
            Diagnostics.warn("\(error.description); this report uses the stack growth table read before")
            return lastStackGrowth
        }
    }

    /// The main target first, then the others by pid.
    func orderedPids() -> [Int32] {
        processes.keys.sorted { a, b in a == mainPid || (b != mainPid && a < b) }
    }

    /// Hands a line's values to every observer.
    func publish(_ event: SessionEvent) {
        for observer in observers { observer.observe(event) }
    }
}

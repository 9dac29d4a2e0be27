import MemhoundOutput

/// What each decoded line adds to the summary.
extension RunReader {
    mutating func start(_ line: StartLine) {
        summary.start = line
        stacks = [:]  // ids are per session
        let t = noteTime(line.time)
        if let target = line.target { update(target.pid, at: t) { if $0.comm == nil { $0.comm = target.comm } } }
    }

    mutating func rss(_ line: RSSLine) {
        let t = noteTime(line.time)
        update(line.pid, at: t) { p in
            if let t { p.rss.append(RSSPoint(time: t, anon: line.anon, file: line.file)) }
        }
    }

    /// Its time is when it was written, not something that happened: the run's span ignores it.
    mutating func stack(_ line: StackLine) {
        stacks[line.id] = line.frames
    }

    /// A report of --stacks once as it would have been written inline: each site's frames from its stack line.
    mutating func report(_ written: ReportLine) {
        var line = written
        for i in line.sites.indices {
            guard let id = line.sites[i].stack else { continue }
            if let frames = stacks[id] { line.sites[i].frames = frames } else { undefinedStacks += 1 }
            line.sites[i].stack = nil
        }
        let t = noteTime(line.time)
        update(line.pid, at: t) { p in
            if let comm = line.comm { p.comm = comm }
            if let t {
                p.reports.append(ReportPoint(time: t, rssAnon: line.rss.anon, growthAnon: line.growth.anon,
                                             attributed: line.attributed.anon, uncertain: line.attributed.uncertain,
                                             categories: line.categories))
            }
            // A final report stands: a periodic one written after it (it cannot be, but) would not replace it.
            if p.report?.final != true || line.final { p.report = line }
        }
    }

    mutating func exit(_ line: ExitLine) {
        let t = noteTime(line.time)
        update(line.pid, at: t) { $0.exit = line }
    }

    mutating func process(_ line: ProcessLine) {
        let t = noteTime(line.time)
        update(line.pid, at: t) { p in
            p.comm = line.comm
            if line.type == "fork" { p.parentPid = line.parentPid }
            if line.type == "exec", let t { p.execs.append((t, line.comm)) }
        }
    }

    mutating func lost(_ line: LostLine) {
        noteTime(line.time)
        summary.lost = line
    }

    @discardableResult
    mutating func noteTime(_ time: String) -> Double? {
        guard let t = epochSeconds(time) else { return nil }
        summary.firstTime = min(summary.firstTime ?? t, t)
        summary.lastTime = max(summary.lastTime ?? t, t)
        return t
    }

    private mutating func update(_ pid: Int32, at time: Double?, _ change: (inout ProcessSummary) -> Void) {
        let i: Int
        if let known = order[pid] {
            i = known
        } else {
            i = summary.processes.count
            order[pid] = i
            summary.processes.append(ProcessSummary(pid: pid))
        }
        if let time {
            summary.processes[i].firstTime = min(summary.processes[i].firstTime ?? time, time)
            summary.processes[i].lastTime = max(summary.processes[i].lastTime ?? time, time)
        }
        change(&summary.processes[i])
    }
}

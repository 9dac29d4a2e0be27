import CMemhoundProcess
import Glibc
import MemhoundAccounting
import MemhoundEvents
import MemhoundKernel
import MemhoundOutput
import MemhoundProc
import MemhoundSymbols

/// One tracing session: sets up the target, streams lines, and always ends
/// with a final report (target exit, --duration, SIGINT/SIGTERM).
public final class Session {
    public static let version = "0.1.0"

    let options: SessionOptions
    let spec: TargetSpec
    let proc: ProcFS
    let writer: LineWriter
    let clock = MonotonicClock()
    let tracer: Tracer
    let tcp: TCPTracer
    var tcpState = TCPSessionState()
    let symbolizer: Symbolizer
    var accounting = Accounting()
    var processes: [Int32: TracedProcess] = [:]
    var mainPid: Int32 = 0
    var child: memhound_child?
    var childWaitStatus: Int32?
    var startNs: UInt64 = 0
    var reportedLost = LostCounts()
    /// Everything derived from the processes' stacks (one forget, one retire).
    var caches = StackCaches()
    /// When stacks holding nothing were last looked for (Session+Retire).
    var lastRetireNs: UInt64 = 0
    /// The kernel's stack growth table and counters as last read, for a report whose read fails.
    var lastStackGrowth: [ProcessStack: StackGrowth] = [:]
    var lastKernelStats: KernelStats?
    /// Followed children whose exit record came: their final reports wait for the poll's late records.
    var exitedAwaitingFinal: [Int32] = []
    /// OOM kills of traced processes whose `oom_kill` line is not written yet.
    var oomKillsAwaitingLine: [OOMKill] = []
    /// Map reads that failed (lost.map_reads).
    var failedMapReads: UInt64 = 0
    /// The main target's final report, once written.
    public internal(set) var mainFinalReport: ReportLine?
    /// Other outputs fed with the lines' values (SessionObserver).
    public var observers: [any SessionObserver] = []
    /// Ring-buffer losses at the last periodic report (SessionHealth.fellBehind).
    var ringLossAtLastReport: UInt64 = 0
    /// `watch --cgroup`: the cgroups the kernel's rules watch.
    var watchedCgroups: [CgroupDirectory] = []
    /// `watch`: traced processes of each cgroup that have ended, by cgroup path (group lines).
    var groupExits: [CgroupKey: Int] = [:]
    /// Alerts (Session+Alerts); nil when they are off.
    var alertEngine: AlertEngine?
    /// Go binaries whose GC cycles are counted (Session+GoGC).
    var goGCProbed: [GoBinaryID: Bool] = [:]
    /// The stacks written so far with --stacks once (Session+Reports, writeWithStacks).
    var stackLines: StackLineTable
    /// The kernel's unwind tables (Session+UnwindTables).
    var unwindTables = UnwindTableState()
    /// --check-unwind: fault stacks compared with libdwfl's unwind of their copies (Session+UnwindCheck).
    var unwindCheck = UnwindCheckCounts()

    /// Loads and attaches the BPF programs; nothing is traced yet.
    public init(options: SessionOptions, target: TargetSpec, writer: LineWriter) throws(AgentError) {
        self.options = options
        self.spec = target
        self.writer = writer
        proc = ProcFS(root: options.procRoot)
        symbolizer = Symbolizer(proc: proc)
        accounting = Accounting(sampleEvery: UInt64(options.sampleEvery))
        alertEngine = options.alerts.map { AlertEngine(thresholds: Self.alertThresholds($0)) }
        stackLines = StackLineTable(mode: options.stackLines)
        // Bad targets are reported before the (slower) BPF load.
        if case let .attach(pid) = target { try Self.validate(pid: pid, proc: proc) }
        if case let .watch(watch) = target { watchedCgroups = try Self.resolve(watch, proc: proc) }
        try HostCheck.requirePrivileges()
        do {
            var tracerOptions = Tracer.Options(followChildren: options.followChildren,
                                               ringBufferBytes: options.ringBufferBytes,
                                               sampleEvery: options.sampleEvery,
                                               mmapMinAddress: proc.mmapMinAddress() ?? 0,
                                               checkStackReuse: options.checkStackReuse,
                                               stackTableEntries: options.stackTableEntries)
            tracerOptions.unwindWithTables = options.unwindWithTables
            tracerOptions.checkUnwind = options.checkUnwind
            if case let .watch(watch) = target {
                tracerOptions.watchAll = watch.all
                tracerOptions.watchCgroups = !watch.cgroups.isEmpty
            }
            tracerOptions.maxTargets = options.maxProcesses
            tracer = try Tracer(options: tracerOptions)
            try tracer.attach()
            tcp = try Self.loadTCP(tracer)
        } catch {
            if access("/sys/kernel/tracing/events", F_OK) != 0 {
                throw AgentError(.unsupported, "tracefs is not mounted at /sys/kernel/tracing (the syscall tracepoints attach through it): mount -t tracefs nodev /sys/kernel/tracing; memhound never mounts it", detail: error.log)
            }
            throw AgentError(
                error.isPermission ? .permission : (error.errno == ENOENT || error.errno == EINVAL ? .unsupported : .bpfFailed),
                error.description, detail: error.log)
        }
    }

    /// Runs to the end; returns the process exit code.
    public func trace() throws(AgentError) -> Int32 {
        // Programs about to start map these (an attached process's own maps are read at once instead).
        if case .attach = spec {} else { preloadUnwindTables(paths: hostRuntimeLibraries()) }
        switch spec {
        case let .attach(pid): try attach(pid)
        case let .command(arguments): try launch(arguments)
        // The rules first: a process that starts once the start line is out is traced.
        case .watch: try installWatchRules()
        }
        do {
            try writeStart()
            if case let .watch(watch) = spec { try adoptPresent(watch) }
            let stopSignal = try loop()
            try finish(signal: stopSignal)
        } catch is OutputClosed {
            stopChild(signal: SIGTERM)
            return ExitCode.success.rawValue
        } catch let error as AgentError {
            stopChild(signal: SIGTERM)
            throw error
        } catch let error as OutputFailed {
            stopChild(signal: SIGTERM)
            throw AgentError(error)
        } catch {
            // Whatever ends the run early, a command we started is not left behind.
            stopChild(signal: SIGTERM)
            throw AgentError(.output, "\(error)")
        }
        if case .command = spec, let status = childWaitStatus { return shellStatus(status) }
        return ExitCode.success.rawValue
    }

    // MARK: - target set-up

    static func validate(pid: Int32, proc: ProcFS) throws(AgentError) {
        guard pid > 0, proc.exists(pid: pid) else {
            throw AgentError(.noSuchProcess, "no process with pid \(pid) (check the pid, and that memhound sees its pid namespace)")
        }
        if (try? proc.isKernelThread(pid: pid)) == true {
            throw AgentError(.kernelThread, "pid \(pid) is a kernel thread: it has no user memory to trace")
        }
    }

    private func attach(_ pid: Int32) throws(AgentError) {
        try Self.validate(pid: pid, proc: proc)
        let status: ProcessStatus
        let isGo = symbolizer.isGoProgram(pid: pid)
        do {
            try tracer.addTarget(pid: pid, copyStacks: isGo != true)
            status = try proc.status(pid: pid)
            guard status.hasMemory else { throw ProcError.noSuchProcess(pid) }
        } catch {
            tracer.removeTarget(pid: pid)
            throw AgentError(.targetExited, "pid \(pid) exited while memhound was attaching")
        }
        mainPid = pid
        warnIfUnreadable(pid)
        startNs = MonotonicClock.nowNs()
        accounting.track(pid)
        processes[pid] = TracedProcess(pid: pid, comm: proc.comm(pid: pid), baseline: MemoryBytes(status))
        processes[pid]?.isGo = isGo
        symbolizer.prepareUnwinding(pid: pid, isGo != true)
        symbolizer.observe(pid: pid)
        loadUnwindTables(pid: pid)
        if isGo == true { countGoGCCycles(pid: pid) }
    }

    /// Another user's process cannot be symbolized without CAP_SYS_PTRACE: say so once, up front.
    private func warnIfUnreadable(_ pid: Int32) {
        var st = stat()
        guard stat(proc.path("proc/\(pid)"), &st) == 0, st.st_uid != geteuid(), !HostCheck.canReadOtherUsersProcesses else { return }
        Diagnostics.warn("pid \(pid) belongs to uid \(st.st_uid): without CAP_SYS_PTRACE memhound cannot read its maps and binaries, so its frames will have addresses but no function names")
    }

    private func launch(_ arguments: [String]) throws(AgentError) {
        let commandIsGo = Self.executablePath(arguments[0]).flatMap(Symbolizer.isGoExecutable(path:))
        var spawned = memhound_child()
        let raw = options.rawCommand ?? arguments.map { Array($0.utf8) }
        let err = withCStringArray(raw) { memhound_child_spawn($0, STDERR_FILENO, &spawned) }
        guard err == 0 else {
            throw AgentError(.bpfFailed, "starting \(arguments[0]) failed: \(String(cString: strerror(-err)))")
        }
        do {
            // Go programs keep frame pointers: no stack copies for them.
            try tracer.addTarget(pid: spawned.pid, pendingExec: true, copyStacks: commandIsGo != true)
        } catch {
            memhound_child_abandon(&spawned)
            throw AgentError(.bpfFailed, error.description)
        }
        startNs = MonotonicClock.nowNs()
        // Before the program runs: the libraries it maps at start unwind from its first fault.
        if let path = Self.executablePath(arguments[0]) { preloadUnwindTables(program: path) }
        // Before the program runs, so that its first GC cycles are counted too.
        if commandIsGo == true, let path = Self.executablePath(arguments[0]) { probeGoGC(binary: path, pid: spawned.pid) }
        let execErr = memhound_child_release(&spawned)
        if execErr != 0 {
            var status: Int32 = 0
            waitpid(spawned.pid, &status, 0)
            let code: ExitCode = -execErr == ENOENT ? .commandNotFound : .commandNotExecutable
            throw AgentError(code, "cannot run \(arguments[0]): \(String(cString: strerror(-execErr)))")
        }
        child = spawned
        mainPid = spawned.pid
        accounting.track(mainPid)
        // A new program starts with an empty address space: growth counts from zero.
        processes[mainPid] = TracedProcess(pid: mainPid, comm: nil, baseline: .zero)
        processes[mainPid]?.isGo = commandIsGo
        symbolizer.prepareUnwinding(pid: mainPid, commandIsGo != true)
    }

    private func writeStart() throws {
        var target: TargetInfo?
        var watching: WatchInfo?
        if case let .watch(watch) = spec {
            watching = WatchInfo(cgroups: watchedCgroups.map { WatchedCgroupInfo(directory: $0.directory, path: $0.path, version: $0.version) },
                                 all: watch.all, pids: watch.pids)
        } else {
            target = TargetInfo(pid: mainPid, comm: proc.comm(pid: mainPid), exe: proc.exe(pid: mainPid),
                                cmdline: proc.cmdline(pid: mainPid))
        }
        let start = StartLine(time: Timestamp.now(), version: Self.version, mode: spec.mode, target: target,
                              kernel: proc.kernelRelease(), options: optionsInfo, watch: watching)
        try writer.write(start)
        publish(.start(start))
    }

    private var optionsInfo: OptionsInfo {
        let o = options
        var info = OptionsInfo(intervalS: o.intervalSeconds, durationS: o.durationSeconds, top: o.top,
                               events: o.events.map(\.rawValue).sorted(),
                               followChildren: o.followChildren, output: o.outputPath)
        info.sampleEvery = o.sampleEvery
        info.stacks = o.stackLines.rawValue
        return info
    }

    // MARK: - the loop

    /// Polls until the target exits, --duration passes or a signal arrives; returns that signal.
    private func loop() throws -> Int32 {
        let intervalNs = UInt64(options.intervalSeconds * 1e9)
        let endNs = options.durationSeconds.map { startNs + UInt64($0 * 1e9) }
        var nextReport = startNs + intervalNs
        while true {
            try drain(timeoutMs: 100)
            try recycleStackTables()
            refreshUnwindTables(nowNs: MonotonicClock.nowNs())
            let signal = memhound_signals_pending()
            if signal != 0 { return signal }
            reapChild()
            if mainTargetGone() { return 0 }
            let now = MonotonicClock.nowNs()
            if now >= nextReport {
                try writePeriodic()
                nextReport += intervalNs * max(1, (now - nextReport) / intervalNs + 1)
                nextReport = max(nextReport, now + 1)
            }
            if let endNs, now >= endNs { return 0 }
        }
    }

    /// Handles the records that arrive within `timeoutMs` (a poll hands them over
    /// for a bounded time); returns how many. `untilEmpty`: until none is left, or
    /// for `limitNs` at most (a target that keeps running keeps producing).
    @discardableResult
    func drain(timeoutMs: Int32, untilEmpty: Bool = false, limitNs: UInt64 = 2_000_000_000) throws -> Int {
        let signalsBefore = memhound_signals_received()
        var failure: Error?
        var total = 0
        let deadline = MonotonicClock.nowNs() + limitNs
        repeat {
            let n: Int
            do {
                n = try tracer.poll(timeoutMs: timeoutMs) { record in
                    do { try handle(record) } catch { failure = failure ?? error }
                }
            } catch {
                throw AgentError(.bpfFailed, error.description)
            }
            if let failure { throw failure }
            // Records the ring buffer had no room for, after the newer ones it delivered.
            for record in tracer.takeOverflow() {
                do { try handle(record.late) } catch { failure = failure ?? error }
            }
            if let failure { throw failure }
            try writeAwaitedFinals()
            total += n
            // A signal is seen whatever the target produces.
            if n == 0 || memhound_signals_received() != signalsBefore { break }
        } while untilEmpty && MonotonicClock.nowNs() < deadline
        return total
    }

    /// Handles the records made up to `cutoff` (CLOCK_MONOTONIC ns, the kernel's clock) and returns
    /// the newer ones unhandled, in order. At most 500 ms, recycling stack tables as the loop does:
    /// a consumer far behind must not let the kernel's tables fill while it catches up.
    func drain(upTo cutoff: UInt64) throws -> [Record] {
        var later: [Record] = []
        var failure: Error?
        let deadline = MonotonicClock.nowNs() + 500_000_000
        repeat {
            try recycleStackTables()
            let n: Int
            do {
                n = try tracer.poll(timeoutMs: 0) { record in
                    // Once a newer record came, the rest wait too: their order is kept.
                    if !later.isEmpty || record.time > cutoff {
                        later.append(record)
                    } else {
                        do { try handle(record) } catch { failure = failure ?? error }
                    }
                }
            } catch {
                throw AgentError(.bpfFailed, error.description)
            }
            for record in tracer.takeOverflow() {
                if record.time > cutoff {
                    later.append(record.late)
                } else {
                    do { try handle(record.late) } catch { failure = failure ?? error }
                }
            }
            if let failure { throw failure }
            try writeAwaitedFinals()
            if n == 0 || !later.isEmpty { break }
        } while MonotonicClock.nowNs() < deadline
        return later
    }

    func recycleStackTables() throws {
        let now = MonotonicClock.nowNs()
        makeRoomForStacks(nowNs: now)
        do {
            try tracer.recycleStackTables(nowNs: now)
        } catch {
            throw AgentError(.bpfFailed, error.description)
        }
    }

    private func mainTargetGone() -> Bool {
        if case .command = spec { return childWaitStatus != nil }
        // watch runs until a signal or --duration, whoever comes and goes.
        if spec.isWatch { return false }
        if processes[mainPid]?.exited == true { return true }
        return !proc.exists(pid: mainPid)
    }

    private func reapChild() {
        guard let child, childWaitStatus == nil else { return }
        var status: Int32 = 0
        if waitpid(child.pid, &status, WNOHANG) == child.pid {
            childWaitStatus = status
            // The kernel's exit record may still be in the ring buffer.
            _ = try? drain(timeoutMs: 0, untilEmpty: true)
        }
    }

    /// Sends `signal` to a child we started and waits for it (bounded), so it is not left behind.
    func stopChild(signal: Int32) {
        guard let child, childWaitStatus == nil else { return }
        kill(child.pid, signal)
        for attempt in 0..<60 {
            var status: Int32 = 0
            if waitpid(child.pid, &status, WNOHANG) == child.pid {
                childWaitStatus = status
                return
            }
            if attempt == 50 { kill(child.pid, SIGKILL) }
            usleep(100_000)
        }
    }
}

extension Session {
    /// Where execvp would find `command`.
    static func executablePath(_ command: String) -> String? {
        if command.contains("/") { return command }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(command)" }.first { access($0, X_OK) == 0 }
    }
}

/// Calls `body` with a NULL-terminated C array of the byte strings.
func withCStringArray<R>(_ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { bytes in
        let p = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
        bytes.withUnsafeBytes { raw in if let base = raw.baseAddress { memcpy(p, base, bytes.count) } }
        p[bytes.count] = 0
        return p
    }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

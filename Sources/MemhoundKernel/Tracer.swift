import MemhoundABI
import CMemhoundBPF
import Glibc
import MemhoundEvents

/// The loaded and attached BPF programs, and the maps they fill.
/// Not thread-safe: one agent loop owns it.
public final class Tracer {
    public struct Options: Sendable {
        public var followChildren: Bool
        public var ringBufferBytes: UInt32
        /// 1: every ANON increment; N: one in N per thread, counted N times.
        public var sampleEvery: UInt32
        /// vm.mmap_min_addr: saved frame pointers below it end a stack for certain.
        /// 0 (unknown): every stack is walked, none is proven unchanged.
        public var mmapMinAddress: UInt64
        /// Walk stacks proven unchanged too, and count disagreements (diagnosis).
        public var checkStackReuse: Bool
        /// Stacks each set of kernel stack tables holds; 0: MH_STACK_TABLE_ENTRIES.
        public var stackTableEntries: UInt32
        /// `memhound watch`: the kernel makes processes targets by itself (bpf/watch.bpf.h).
        public var watchAll = false
        public var watchCgroups = false
        /// Processes traced at once; 0: the programs' default (1024).
        public var maxTargets: UInt32 = 0
        /// Unwind user stacks in the kernel with tables user space loads (Tracer+Unwind).
        public var unwindWithTables = false
        /// Rows the unwind tables of all files may take; 0: MH_UNWIND_ROWS.
        public var unwindRows: UInt32 = 0
        /// Copy sampled fault stacks so user space unwinds them too (--check-unwind).
        public var checkUnwind = false

        public init(followChildren: Bool = true, ringBufferBytes: UInt32 = 8 << 20, sampleEvery: UInt32 = 1,
                    mmapMinAddress: UInt64 = 0, checkStackReuse: Bool = false, stackTableEntries: UInt32 = 0) {
            self.followChildren = followChildren
            self.ringBufferBytes = ringBufferBytes
            self.sampleEvery = sampleEvery
            self.mmapMinAddress = mmapMinAddress
            self.checkStackReuse = checkStackReuse
            self.stackTableEntries = stackTableEntries
        }
    }

    let handle: OpaquePointer
    /// Session-long names of the kernel's stack ids (see Tracer+Stacks).
    var names: StackNames
    /// Growth of stacks whose set of stack tables was emptied (recycled), by name: their kernel
    /// entries are gone.
    public internal(set) var recycledGrowth: [ProcessStack: StackGrowth] = [:]
    /// The epoch being retired and when the kernel stopped walking into it.
    var retiring: (epoch: UInt32, sinceNs: UInt64)?
    /// Sets of stack tables emptied so far.
    public internal(set) var recycledSets: UInt64 = 0
    /// When the kernel last moved to the other set.
    var lastFlipNs: UInt64 = 0
    /// Names forgotten because their memory was all gone (Tracer+Stacks).
    public internal(set) var retiredNames: UInt64 = 0
    /// Host tgids and the pids memhound sees (PidTranslation).
    var pids = PidTranslation()
    /// The first row of `unwind_rows` not handed out yet (Tracer+Unwind).
    var nextUnwindRow: UInt32 = 0

    /// Opens, configures and loads the embedded programs; nothing is attached yet.
    public init(options: Options) throws(KernelError) {
        var raw = memhound_tracer_options(
            follow_children: options.followChildren, sample_every: options.sampleEvery,
            ring_buffer_bytes: options.ringBufferBytes, mmap_min_addr: options.mmapMinAddress,
            check_stack_reuse: options.checkStackReuse, stack_table_entries: options.stackTableEntries,
            watch_all: options.watchAll, watch_cgroups: options.watchCgroups, max_targets: options.maxTargets,
            unwind_with_tables: options.unwindWithTables, unwind_rows: options.unwindRows,
            check_unwind: options.checkUnwind)
        var out: OpaquePointer?
        let err = memhound_tracer_open(&raw, &out)
        guard err == 0, let out else {
            throw KernelError(step: .load, errno: -err, log: Self.libbpfLog)
        }
        handle = out
        names = StackNames(layout: .init(entries: memhound_tracer_stack_table_entries(out),
                                         collided: memhound_tracer_collided_capacity(out)))
    }

    deinit { memhound_tracer_destroy(handle) }

    /// Attaches every program; events flow for the targets from here on.
    public func attach() throws(KernelError) {
        // First, so that fork records already carry children's pids as memhound sees them.
        try learnPids()
        let err = memhound_tracer_attach(handle)
        guard err == 0 else {
            let name = memhound_tracer_failed_program(handle).map { String(cString: $0) } ?? "a program"
            throw KernelError(step: .attach(program: name), errno: -err, log: Self.libbpfLog)
        }
    }

    /// Lists every visible process with its host tgid (and learns memhound's pid namespace).
    func learnPids() throws(KernelError) {
        var pairs = [memhound_pid_pair](repeating: memhound_pid_pair(), count: 4096)
        while true {
            let n = pairs.withUnsafeMutableBufferPointer { memhound_tracer_list_pids(handle, $0.baseAddress, UInt32($0.count)) }
            guard n >= 0 else { throw KernelError(step: .attach(program: "iter/task list_pids"), errno: -n, log: Self.libbpfLog) }
            if Int(n) <= pairs.count {
                pids.learn(Array(pairs.prefix(Int(n))))
                return
            }
            pairs = [memhound_pid_pair](repeating: memhound_pid_pair(), count: Int(n) * 2)
        }
    }

    /// Whether memhound runs inside a pid namespace of its own (its pids are not the host's).
    public var inPidNamespace: Bool { !pids.isIdentity }

    /// The host tgid of `pid` as memhound sees it, listing the processes again when it is new.
    func hostPid(_ pid: Int32) -> UInt32? {
        if let host = pids.host(pid) { return host }
        try? learnPids()
        return pids.host(pid)
    }

    /// The host tgid of a process memhound sees (nil: not visible or gone).
    public func hostPid(of pid: Int32) -> UInt32? { hostPid(pid) }

    /// Translates a kernel table key's host tgid.
    func nsPid(_ host: UInt32) -> Int32 { pids.ns(host) }

    /// Adds a process to the traced set. `pendingExec`: trace it from its next execve.
    /// `copyStacks`: copy registers and stack at region-creating calls (code without frame pointers);
    /// a program it execs later gets them again (see setCopyStacks).
    /// `exclusive`: throws EEXIST, changing nothing, when the kernel's watch rules made it a target
    /// already (its fork, exec or join record is on its way).
    public func addTarget(pid: Int32, pendingExec: Bool = false, copyStacks: Bool = false,
                          exclusive: Bool = false) throws(KernelError) {
        let state = pendingExec ? MH_TARGET_PENDING_EXEC : MH_TARGET_ACTIVE
        guard let host = hostPid(pid) else { throw KernelError(step: .addTarget(pid: pid), errno: ESRCH) }
        if exclusive, target(pid: pid) != nil { throw KernelError(step: .addTarget(pid: pid), errno: EEXIST) }
        // Set before the target exists, so the programs never see it with the wrong choice.
        let choice = memhound_tracer_set_stack_copies(handle, host, copyStacks)
        guard choice == 0 else { throw KernelError(step: .addTarget(pid: pid), errno: -choice) }
        let err = memhound_tracer_add_target(handle, host, UInt32(state.rawValue),
                                             UInt32(MH_TARGET_COPY_STACKS.rawValue), exclusive)
        guard err == 0 else { throw KernelError(step: .addTarget(pid: pid), errno: -err) }
    }

    /// Watches a cgroup and its descendants (Options.watchCgroups): its directory's inode number
    /// (the kernfs id) in its hierarchy (0: unified; v1: /proc/cgroups's hierarchy column).
    public func watchCgroup(id: UInt64, hierarchy: UInt32) throws(KernelError) {
        let err = memhound_tracer_watch_cgroup(handle, id, hierarchy)
        guard err == 0 else { throw KernelError(step: .watchCgroup, errno: -err) }
    }

    /// Turns stack copies on or off for a traced process (off for Go: it keeps frame pointers). One
    /// key of the kernel's `no_stack_copies`: the target's own record is never rewritten.
    public func setCopyStacks(pid: Int32, _ on: Bool) {
        guard let host = pids.host(pid) else { return }
        _ = memhound_tracer_set_stack_copies(handle, host, on)
    }

    /// Drops a finished process's growth table entries (bounded memory; pid reuse).
    public func forgetStackGrowth(pid: Int32) {
        if let host = pids.host(pid) { _ = memhound_tracer_forget_stack_growth(handle, host) }
        recycledGrowth = recycledGrowth.filter { $0.key.tgid != pid }
    }

    /// Drops user space's share of a process's site growth (its program changed: the kernel dropped its own).
    public func forgetRecycledGrowth(pid: Int32) {
        recycledGrowth = recycledGrowth.filter { $0.key.tgid != pid }
    }

    /// Forgets the host tgid of a process that has exited and been reported.
    public func forgetPid(_ pid: Int32) {
        pids.forget(pid)
    }

    public func removeTarget(pid: Int32) {
        guard let host = pids.host(pid) else { return }
        _ = memhound_tracer_remove_target(handle, host)
    }

    /// The kernel-side counters of a target, or nil once it has left the set.
    public func target(pid: Int32) -> memhound_target? {
        var out = memhound_target()
        guard let host = pids.host(pid) else { return nil }
        return memhound_tracer_read_target(handle, host, &out) == 0 ? out : nil
    }

    /// Waits up to `timeoutMs` for records and hands each decoded one to `body`,
    /// stack ids named (see StackNames). Records that fail to decode are counted in `undecodable`.
    @discardableResult
    public func poll(timeoutMs: Int32, _ body: (Record) -> Void) throws(KernelError) -> Int {
        let n: Int32 = withoutActuallyEscaping(body) { escapable in
            var sink = RecordSink(body: { escapable(self.named($0)) })
            let result = withUnsafeMutablePointer(to: &sink) { ptr in
                memhound_tracer_poll(handle, timeoutMs, recordTrampoline, UnsafeMutableRawPointer(ptr))
            }
            undecodable += sink.undecodable
            return result
        }
        guard n >= 0 else { throw KernelError(step: .poll, errno: -n) }
        return Int(n)
    }

    /// Every record kept in the overflow table while the ring buffer was full, named, oldest first.
    public func takeOverflow() -> [Record] {
        var records: [Record] = []
        withoutActuallyEscaping({ (record: Record) in records.append(record) }) { escapable in
            var sink = RecordSink(body: { escapable(self.named($0)) })
            _ = withUnsafeMutablePointer(to: &sink) { ptr in
                memhound_tracer_take_overflow(handle, recordTrampoline, UnsafeMutableRawPointer(ptr))
            }
            undecodable += sink.undecodable
        }
        return records.sorted { $0.time < $1.time }
    }

    /// Ring-buffer records that could not be decoded (a version mismatch; never expected).
    public private(set) var undecodable = 0

    /// Runs of the memory programs the kernel skipped (a BPF program already running on that CPU).
    public var missedRuns: UInt64 { memhound_tracer_missed_runs(handle) }

    /// The frames of a walked stack, leaf first; empty for names it does not know.
    public func frames(_ name: StackName) -> [UInt64] {
        names.frames[name] ?? []
    }

    /// The per-CPU counters, summed.
    public func stats() throws(KernelError) -> KernelStats {
        var values = [UInt64](repeating: 0, count: Int(MH_STAT_COUNT.rawValue))
        let err = values.withUnsafeMutableBufferPointer { memhound_tracer_read_stats(handle, $0.baseAddress) }
        guard err == 0 else { throw KernelError(step: .readMap("stats"), errno: -err) }
        return KernelStats(values)
    }

    /// Every (process, stack) -> resident growth aggregated in the kernel, with
    /// that of emptied sets of tables; stacks named.
    public func stackGrowth() throws(KernelError) -> [ProcessStack: StackGrowth] {
        var result = recycledGrowth
        for entry in try kernelStackGrowth() {
            result[ProcessStack(tgid: nsPid(entry.hostTgid), stack: name(entry.stack)), default: .zero].add(entry.growth)
        }
        return result
    }

    /// The kernel's stack growth table as it is, with kernel stack ids and host tgids.
    func kernelStackGrowth() throws(KernelError) -> [(hostTgid: UInt32, stack: KernelStackID, growth: StackGrowth)] {
        var result: [(hostTgid: UInt32, stack: KernelStackID, growth: StackGrowth)] = []
        var key = memhound_stack_key()
        var growth = memhound_stack_growth()
        var previous = memhound_stack_key()
        var hasPrevious = false
        while true {
            let n = memhound_tracer_next_stack_growth(handle, hasPrevious, &previous, &key, &growth)
            if n == 0 { break }
            guard n > 0 else { throw KernelError(step: .readMap("stack_growth"), errno: -n) }
            result.append((key.tgid, KernelStackID(raw: key.stack_id),
                           StackGrowth(bytes: growth.bytes, increments: growth.increments,
                                      wordAtSP: growth.word_at_sp, unlocated: growth.unlocated,
                                      released: growth.released)))
            previous = key
            hasPrevious = true
        }
        return result
    }

    public static var libbpfLog: String { String(cString: memhound_libbpf_log()) }
}

private struct RecordSink {
    var body: (Record) -> Void
    var undecodable = 0
}

private let recordTrampoline: memhound_record_fn = { context, data, size in
    let sink = context!.assumingMemoryBound(to: RecordSink.self)
    do {
        let record = try RecordDecoder.decode(UnsafeRawBufferPointer(start: data, count: size))
        sink.pointee.body(record)
    } catch {
        sink.pointee.undecodable += 1
    }
    return 0
}

extension Tracer {
    /// Counts the GC cycles of traced processes running the Go binary at `path` (a uprobe at
    /// file offset `offset`, see GoSymbolTable.fileOffset).
    public func countGoGCCycles(binary path: String, offset: UInt64) throws(KernelError) {
        let err = memhound_tracer_attach_go_gc(handle, path, offset)
        guard err == 0 else { throw KernelError(step: .attach(program: "uprobe on_go_gc_cycle (\(path))"), errno: -err) }
    }

    /// GC cycles counted for `pid` so far; nil before its first or when it is not counted.
    public func goGCCycles(pid: Int32) -> UInt64? {
        guard let host = pids.host(pid) else { return nil }
        var n: UInt64 = 0
        return memhound_tracer_read_go_gc_cycles(handle, host, &n) == 0 ? n : nil
    }

    public func forgetGoGCCycles(pid: Int32) {
        if let host = pids.host(pid) { _ = memhound_tracer_forget_go_gc_cycles(handle, host) }
    }
}

import Glibc
import MemhoundKernel
import MemhoundOutput
import MemhoundProc

/// `memhound watch`: what to trace, present and future.
public struct WatchSpec: Sendable, Equatable {
    /// Cgroup directories: their processes and those of their descendants.
    public var cgroups: [String] = []
    /// Every process memhound's pid namespace shows.
    public var all = false
    public var pids: [Int32] = []

    public init(cgroups: [String] = [], all: Bool = false, pids: [Int32] = []) {
        self.cgroups = cgroups
        self.all = all
        self.pids = pids
    }
}

extension Session {
    /// Resolves the watched cgroups and checks the pids, before BPF is loaded.
    static func resolve(_ watch: WatchSpec, proc: ProcFS) throws(AgentError) -> [CgroupDirectory] {
        for pid in watch.pids { try validate(pid: pid, proc: proc) }
        var cgroups: [CgroupDirectory] = []
        for dir in watch.cgroups {
            do { cgroups.append(try proc.cgroupDirectory(dir)) } catch {
                throw AgentError(.badCgroup, error.description)
            }
        }
        return cgroups
    }

    /// Turns the kernel's rules on (--all's is on from the load).
    func installWatchRules() throws(AgentError) {
        for cgroup in watchedCgroups {
            do { try tracer.watchCgroup(id: cgroup.id, hierarchy: cgroup.hierarchy) } catch {
                throw AgentError(.bpfFailed, error.description)
            }
        }
        startNs = MonotonicClock.nowNs()
    }

    /// Takes every process already there, once the rules are on: one that starts meanwhile is
    /// the kernel's (its fork record comes), never missed nor taken twice.
    func adoptPresent(_ watch: WatchSpec) throws {
        var present = watch.pids
        if watch.all { present += proc.allPids() }
        for cgroup in watchedCgroups { present += proc.processes(in: cgroup) }
        var seen = Set<Int32>()
        for pid in present where pid != getpid() && seen.insert(pid).inserted {
            guard (try? proc.isKernelThread(pid: pid)) != true else { continue }
            try adopt(pid, comm: nil, anonBaseline: nil, time: Timestamp.now())
        }
    }

    /// Traces a running process from now on: found at the start, or moved into a watched cgroup
    /// (`anonBaseline`: the kernel's counter then; the kernel made it a target already).
    func adopt(_ pid: Int32, comm: String?, anonBaseline: Int64?, time: String) throws {
        let isGo = symbolizer.isGoProgram(pid: pid)
        if anonBaseline == nil {
            do { try tracer.addTarget(pid: pid, copyStacks: isGo != true, exclusive: true) } catch {
                return  // gone, or the kernel's rules have it (its record is on its way)
            }
        } else {
            tracer.setCopyStacks(pid: pid, isGo != true)
        }
        guard let status = try? proc.status(pid: pid), status.hasMemory else {
            if anonBaseline == nil { tracer.removeTarget(pid: pid) }
            return
        }
        var baseline = MemoryBytes(status)
        if let anonBaseline { baseline.anon = anonBaseline }
        accounting.track(pid)
        var traced = TracedProcess(pid: pid, comm: comm ?? status.name, baseline: baseline)
        traced.isGo = isGo
        processes[pid] = traced
        noteOwnPid(pid)
        symbolizer.prepareUnwinding(pid: pid, isGo != true)
        symbolizer.observe(pid: pid)
        loadUnwindTables(pid: pid)
        if isGo == true { countGoGCCycles(pid: pid) }
        let line = ProcessLine(type: "attach", time: time, pid: pid, parentPid: nil, comm: traced.comm ?? "")
        try writer.write(line)
        publish(.process(line))
    }

    /// The pid the process sees for itself, when its namespace is not memhound's.
    func noteOwnPid(_ pid: Int32) {
        if let own = (try? proc.status(pid: pid))?.nsPids.last, own != pid { processes[pid]?.nsPid = own }
    }
}

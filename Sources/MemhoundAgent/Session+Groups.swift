import MemhoundOutput
import MemhoundProc

/// `watch`: a group line per cgroup after each round of reports.
extension Session {
    /// The round's group lines (computed in every mode: the alerts read them; written in watch).
    @discardableResult
    func writeGroups(_ reports: [ReportLine], final: Bool, alerts: inout [AlertLine]) throws -> [GroupLine] {
        guard spec.isWatch || alertEngine != nil else { return [] }
        var written: [GroupLine] = []
        let keyed: [(report: ReportLine, cgroup: CgroupKey)] = reports.compactMap { r in
            guard let cgroup = processes[r.pid]?.cgroup else { return nil }
            return (r, CgroupKey(path: cgroup.path, version: cgroup.version))
        }
        let lines = GroupReports(top: options.top).lines(keyed, exits: groupExits, time: Timestamp.now(), final: final)
        let hostPressure = proc.hostMemoryPressure().map(PressureInfo.init)
        for key in lines.keys.sorted(by: { $0.path < $1.path }) {
            var line = lines[key]!
            line.memory = proc.cgroupMemoryDetail(path: key.path, version: key.version).map(CgroupMemoryInfo.init)
            line.hostPressure = hostPressure
            if line.container == nil {
                line.container = ContainerIdentity.parse(cgroupPath: key.path).map {
                    ContainerInfo(runtime: $0.runtime, id: $0.id, podUID: $0.podUID)
                }
            }
            // The cgroup's alerts first: its line carries their trend figures.
            if !final { alerts += alertsFor(&line) }
            if spec.isWatch {
                try writeWithStacks(line, sites: \.sites, droppable: !final)
                publish(.group(line))
            }
            written.append(line)
            // A cgroup whose processes are all gone was said once more, with its exits; then forgotten.
            if line.processes == 0 { groupExits[key] = nil }
        }
        return written
    }

    /// A traced process of a watched session ended: its cgroup's group lines count it.
    func countGroupExit(_ p: TracedProcess) {
        guard spec.isWatch || alertEngine != nil, let cgroup = p.cgroup else { return }
        groupExits[CgroupKey(path: cgroup.path, version: cgroup.version), default: 0] += 1
    }
}

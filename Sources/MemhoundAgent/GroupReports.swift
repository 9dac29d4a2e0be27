import MemhoundAccounting
import MemhoundOutput

/// `watch`'s group lines: the reports of one moment summed per cgroup.
struct GroupReports {
    var top: Int
    /// Processes a group line names by pid, at most (the rest are counted).
    static let namedPids = 20

    /// One line per cgroup among `reports` (each with the cgroup its process was last sampled in),
    /// and one for each cgroup in `exits` that has no live process left.
    func lines(_ reports: [(report: ReportLine, cgroup: CgroupKey)], exits: [CgroupKey: Int],
               time: String, final: Bool) -> [CgroupKey: GroupLine] {
        var byGroup: [CgroupKey: [ReportLine]] = [:]
        for (report, cgroup) in reports { byGroup[cgroup, default: []].append(report) }
        for key in exits.keys where byGroup[key] == nil { byGroup[key] = [] }
        var lines: [CgroupKey: GroupLine] = [:]
        for (key, members) in byGroup {
            var line = GroupLine(time: time, final: final, cgroup: key.path, cgroupVersion: key.version)
            let byGrowth = members.sorted { ($0.growth.anon, $1.pid) > ($1.growth.anon, $0.pid) }
            line.processes = members.count
            line.pids = byGrowth.prefix(Self.namedPids).map(\.pid)
            line.otherPids = max(0, members.count - Self.namedPids)
            line.exited = exits[key] ?? 0
            line.container = members.lazy.compactMap(\.container).first
            // Every category, as in reports, even for a cgroup with no process left.
            line.categories = Dictionary(uniqueKeysWithValues: MemoryCategory.allCases.map { ($0.rawValue, UInt64(0)) })
            for r in members {
                line.growth.anon += r.growth.anon
                line.growth.file += r.growth.file
                line.growth.shmem += r.growth.shmem
                line.growth.swap += r.growth.swap
                line.attributed.anon += r.attributed.anon
                line.attributed.uncertain += r.attributed.uncertain
                for (category, bytes) in r.categories { line.categories[category, default: 0] += bytes }
                if let cgo = r.cgoBytes { line.cgoBytes = (line.cgoBytes ?? 0) + cgo }
            }
            line.explained = line.growth.anon > 0 ? Double(line.attributed.anon) / Double(line.growth.anon) : nil
            let sites = mergedSites(members)
            line.sites = Array(sites.prefix(top))
            line.otherSites = max(0, sites.count - top) + members.reduce(0) { $0 + $1.otherSites }
            lines[key] = line
        }
        return lines
    }

    /// The same call chain in several processes is one site of the group.
    private func mergedSites(_ reports: [ReportLine]) -> [SiteEntry] {
        var merged: [[FrameKey]: SiteEntry] = [:]
        var order: [[FrameKey]] = []
        for report in reports {
            for site in report.sites {
                let key = site.frames.map(FrameKey.init)
                guard var m = merged[key] else {
                    var first = site
                    first.processes = 1
                    merged[key] = first
                    order.append(key)
                    continue
                }
                if site.bytes > m.bytes { m.category = site.category }
                if site.cgo == true { m.cgo = true }
                m.bytes += site.bytes
                m.grown += site.grown
                m.released += site.released
                m.faults += site.faults
                m.uncertainBytes += site.uncertainBytes
                m.mapped.bytes += site.mapped.bytes
                m.mapped.count += site.mapped.count
                m.mapped.oldestAgeS = [m.mapped.oldestAgeS, site.mapped.oldestAgeS].compactMap { $0 }.max()
                m.processes = (m.processes ?? 1) + 1
                merged[key] = m
            }
        }
        return order.compactMap { merged[$0] }.sorted { $0.bytes > $1.bytes }
    }
}

/// A cgroup as group lines key it.
struct CgroupKey: Hashable {
    var path: String
    var version: Int
}

/// What makes two frames the same code: the module and the address in it, and the function.
private struct FrameKey: Hashable {
    var module: String
    var offset: String
    var function: String?

    init(_ f: Frame) {
        module = f.module
        offset = f.offset
        function = f.function
    }
}

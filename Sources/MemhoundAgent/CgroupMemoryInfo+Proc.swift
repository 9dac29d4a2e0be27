import MemhoundOutput
import MemhoundProc

// The cgroup files' figures (MemhoundProc) as written in JSON lines (MemhoundOutput, which depends on nothing).

extension CgroupMemoryInfo {
    public init(_ detail: CgroupMemoryDetail) {
        self.init(usage: detail.usage, limit: detail.limit, high: detail.high, softLimit: detail.softLimit,
                  swap: detail.swap, stat: detail.stat.map(Stat.init), events: detail.events.map(Events.init),
                  pressure: detail.pressure.map(PressureInfo.init))
    }
}

extension CgroupMemoryInfo.Stat {
    public init(_ stat: CgroupMemoryDetail.Stat) {
        self.init(anon: stat.anon, file: stat.file, kernelStack: stat.kernelStack, pagetables: stat.pagetables,
                  sock: stat.sock, shmem: stat.shmem, slab: stat.slab, anonTHP: stat.anonTHP,
                  fileMapped: stat.fileMapped)
    }
}

extension CgroupMemoryInfo.Events {
    public init(_ events: CgroupMemoryDetail.Events) {
        self.init(low: events.low, high: events.high, max: events.max, oom: events.oom, oomKill: events.oomKill,
                  oomGroupKill: events.oomGroupKill, failcnt: events.failcnt, underOOM: events.underOOM,
                  oomKillDisable: events.oomKillDisable)
    }
}

extension PressureInfo {
    public init(_ pressure: MemoryPressure) {
        self.init(some: Stall(pressure.some), full: Stall(pressure.full))
    }
}

extension PressureInfo.Stall {
    public init(_ stall: MemoryPressure.Stall) {
        self.init(avg10: stall.avg10, avg60: stall.avg60, avg300: stall.avg300, totalUs: stall.total)
    }
}

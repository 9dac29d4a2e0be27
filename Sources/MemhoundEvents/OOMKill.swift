import MemhoundABI

/// The kernel's OOM killer chose a traced process, or one of a watched cgroup (oom:mark_victim).
public struct OOMKill: Sendable, Equatable {
    /// The victim was not traced (it was in a watched cgroup): nothing was attributed.
    public var untraced = false
    public var tgid: Int32
    /// The victim's thread, as memhound's pid namespace numbers it.
    public var tid: Int32
    public var time: UInt64
    public var comm: String
    public var uid: UInt32
    public var oomScoreAdj: Int16
    /// Bytes, as the kernel's oom:mark_victim record counts them.
    public var totalVM: UInt64
    public var anonRSS: UInt64
    public var fileRSS: UInt64
    public var shmemRSS: UInt64
    public var pageTables: UInt64

    public init(tgid: Int32, tid: Int32, time: UInt64, comm: String, uid: UInt32, oomScoreAdj: Int16,
                totalVM: UInt64, anonRSS: UInt64, fileRSS: UInt64, shmemRSS: UInt64, pageTables: UInt64) {
        self.tgid = tgid
        self.tid = tid
        self.time = time
        self.comm = comm
        self.uid = uid
        self.oomScoreAdj = oomScoreAdj
        self.totalVM = totalVM
        self.anonRSS = anonRSS
        self.fileRSS = fileRSS
        self.shmemRSS = shmemRSS
        self.pageTables = pageTables
    }
}

extension RecordDecoder {
    static func oomKill(_ r: memhound_oom_record) -> OOMKill {
        var kill = OOMKill(tgid: Int32(bitPattern: r.hdr.tgid), tid: Int32(bitPattern: r.hdr.tid), time: r.hdr.time_ns,
                comm: commString(r.comm), uid: r.uid, oomScoreAdj: r.oom_score_adj, totalVM: r.total_vm,
                anonRSS: r.anon_rss, fileRSS: r.file_rss, shmemRSS: r.shmem_rss, pageTables: r.pgtables)
        kill.untraced = r.flags & UInt16(MH_OOM_UNTRACED.rawValue) != 0
        return kill
    }
}

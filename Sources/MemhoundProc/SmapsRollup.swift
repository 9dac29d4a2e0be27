/// Totals from /proc/PID/smaps_rollup, in bytes.
public struct SmapsRollup: Sendable, Equatable {
    public var rss: UInt64
    public var pss: UInt64
    public var pssAnon: UInt64
    public var pssFile: UInt64
    public var pssShmem: UInt64
    public var anonymous: UInt64
    public var swap: UInt64
    public var swapPss: UInt64

    public init(
        rss: UInt64 = 0, pss: UInt64 = 0, pssAnon: UInt64 = 0, pssFile: UInt64 = 0,
        pssShmem: UInt64 = 0, anonymous: UInt64 = 0, swap: UInt64 = 0, swapPss: UInt64 = 0
    ) {
        self.rss = rss
        self.pss = pss
        self.pssAnon = pssAnon
        self.pssFile = pssFile
        self.pssShmem = pssShmem
        self.anonymous = anonymous
        self.swap = swap
        self.swapPss = swapPss
    }

    /// Parses the text of /proc/PID/smaps_rollup. The leading "[rollup]" range line
    /// is ignored; fields older kernels lack (Pss_Anon, ...) count as 0. Rss is required.
    public static func parse(_ text: String) throws -> SmapsRollup {
        var rollup = SmapsRollup()
        var sawRss = false
        FieldLines.forEach(in: text) { key, value in
            guard let bytes = FieldLines.bytes(value) else { return }
            switch key {
            case "Rss": rollup.rss = bytes; sawRss = true
            case "Pss": rollup.pss = bytes
            case "Pss_Anon": rollup.pssAnon = bytes
            case "Pss_File": rollup.pssFile = bytes
            case "Pss_Shmem": rollup.pssShmem = bytes
            case "Anonymous": rollup.anonymous = bytes
            case "Swap": rollup.swap = bytes
            case "SwapPss": rollup.swapPss = bytes
            default: break
            }
        }
        guard sawRss else { throw ProcError.malformed("smaps_rollup: no Rss field") }
        return rollup
    }
}

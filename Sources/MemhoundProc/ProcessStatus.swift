/// The memory-relevant part of /proc/PID/status. Sizes are in bytes.
public struct ProcessStatus: Sendable, Equatable {
    /// The Name line as the kernel prints it: special characters (newline, tab,
    /// backslash) arrive escaped, e.g. "a\\nb", and are kept that way.
    public var name: String
    public var tgid: Int32
    public var ppid: Int32
    public var vmRSS: UInt64
    public var rssAnon: UInt64
    public var rssFile: UInt64
    public var rssShmem: UInt64
    public var vmSwap: UInt64
    public var threads: Int
    /// False when there is no RssAnon line: zombies and kernel threads have no mm.
    public var hasMemory: Bool
    /// NSpid: the process's pid in each pid namespace from the reader's down to its own; the
    /// last is the pid the process sees for itself (empty when the line is missing).
    public var nsPids: [Int32] = []

    public init(
        name: String, tgid: Int32, ppid: Int32,
        vmRSS: UInt64 = 0, rssAnon: UInt64 = 0, rssFile: UInt64 = 0,
        rssShmem: UInt64 = 0, vmSwap: UInt64 = 0, threads: Int = 0, hasMemory: Bool = false
    ) {
        self.name = name
        self.tgid = tgid
        self.ppid = ppid
        self.vmRSS = vmRSS
        self.rssAnon = rssAnon
        self.rssFile = rssFile
        self.rssShmem = rssShmem
        self.vmSwap = vmSwap
        self.threads = threads
        self.hasMemory = hasMemory
    }

    /// Parses the text of /proc/PID/status. Missing or unparsable fields count as 0;
    /// only a text without Name or Tgid is rejected.
    public static func parse(_ text: String) throws -> ProcessStatus {
        var status = ProcessStatus(name: "", tgid: 0, ppid: 0)
        var sawName = false
        var sawTgid = false
        FieldLines.forEach(in: text) { key, value in
            switch key {
            case "Name":
                // The kernel writes "Name:\t<name>"; the name itself may begin with blanks.
                status.name = String(value.first == "\t" ? value.dropFirst() : value)
                sawName = true
            case "Tgid":
                if let v = FieldLines.integer(value, as: Int32.self) { status.tgid = v; sawTgid = true }
            case "PPid":
                status.ppid = FieldLines.integer(value) ?? 0
            case "Threads":
                status.threads = FieldLines.integer(value) ?? 0
            case "VmRSS":
                status.vmRSS = FieldLines.bytes(value) ?? 0
            case "RssAnon":
                if let v = FieldLines.bytes(value) { status.rssAnon = v; status.hasMemory = true }
            case "RssFile":
                status.rssFile = FieldLines.bytes(value) ?? 0
            case "RssShmem":
                status.rssShmem = FieldLines.bytes(value) ?? 0
            case "VmSwap":
                status.vmSwap = FieldLines.bytes(value) ?? 0
            case "NSpid":
                let pids = value.split(whereSeparator: { $0 == "\t" || $0 == " " }).map { Int32($0) }
                status.nsPids = pids.contains(nil) ? [] : pids.compactMap { $0 }
            default:
                break
            }
        }
        guard sawName else { throw ProcError.malformed("status: no Name field") }
        guard sawTgid else { throw ProcError.malformed("status: no valid Tgid field") }
        return status
    }
}

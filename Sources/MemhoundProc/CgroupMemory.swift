/// Memory charged to the memory cgroup of a process: v2 (unified) or v1's memory hierarchy.
public struct CgroupMemory: Sendable, Equatable {
    /// Cgroup path as in /proc/PID/cgroup, e.g. "/system.slice/x.service".
    public var path: String
    /// v2 memory.current, v1 memory.usage_in_bytes, in bytes.
    public var current: UInt64
    /// v2 memory.max, v1 memory.limit_in_bytes; nil when unlimited or unreadable.
    public var limit: UInt64?
    /// 1 or 2.
    public var version: Int

    public init(path: String, current: UInt64, limit: UInt64? = nil, version: Int = 2) {
        self.path = path
        self.current = current
        self.limit = limit
        self.version = version
    }

    /// The v1 memory hierarchy's path from the text of /proc/PID/cgroup: the "N:...memory...:/path"
    /// line. Nil when absent, not absolute, or containing "..".
    public static func memoryV1Path(fromCgroupFile text: String) -> String? {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1].split(separator: ",").contains("memory") else { continue }
            let path = fields[2]
            return staysInsideRoot(path) ? String(path) : nil
        }
        return nil
    }

    /// A limit file (v2 memory.max, v1 memory.limit_in_bytes): nil for "max" and for v1's
    /// "unlimited" (a page-rounded LONG_MAX).
    public static func parseLimit(_ text: String) -> UInt64? {
        guard let value = parseCurrent(text) else { return nil }
        return value >= 1 << 62 ? nil : value
    }

    /// The unified-hierarchy path from the text of /proc/PID/cgroup: the "0::/path"
    /// line, which is the only line on pure v2 and one of many on hybrid systems.
    /// Nil when absent, not absolute, or containing ".." (never leave the cgroup root).
    public static func unifiedPath(fromCgroupFile text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            let path = line.dropFirst(3)
            return staysInsideRoot(path) ? String(path) : nil
        }
        return nil
    }

    /// An absolute cgroup path without "." or ".." components: joined to a mount point, it never
    /// names a directory outside that hierarchy.
    public static func staysInsideRoot(_ path: Substring) -> Bool {
        path.hasPrefix("/") && !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
    }

    /// Parses memory.current: one decimal number of bytes.
    public static func parseCurrent(_ text: String) -> UInt64? {
        UInt64(Substring(text).trimmingBlanks().split(separator: "\n").first ?? "")
    }
}

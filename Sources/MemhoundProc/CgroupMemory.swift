/// Memory charged to the cgroup (v2) of a process.
public struct CgroupMemory: Sendable, Equatable {
    /// Cgroup path as in /proc/PID/cgroup, e.g. "/system.slice/x.service".
    public var path: String
    /// memory.current, in bytes.
    public var current: UInt64

    public init(path: String, current: UInt64) {
        self.path = path
        self.current = current
    }

    /// The unified-hierarchy path from the text of /proc/PID/cgroup: the "0::/path"
    /// line, which is the only line on pure v2 and one of many on hybrid systems.
    /// Nil when absent, not absolute, or containing ".." (never leave the cgroup root).
    public static func unifiedPath(fromCgroupFile text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            let path = line.dropFirst(3)
            guard path.hasPrefix("/"),
                  !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
            else { return nil }
            return String(path)
        }
        return nil
    }

    /// Parses memory.current: one decimal number of bytes.
    public static func parseCurrent(_ text: String) -> UInt64? {
        UInt64(Substring(text).trimmingBlanks().split(separator: "\n").first ?? "")
    }
}

/// Memory limits a process is held to besides its cgroup's: the host's available memory, and the
/// Go runtime's soft limit (GOMEMLIMIT in its environment).
extension ProcFS {
    /// MemAvailable of /proc/meminfo, in bytes.
    public func memAvailable() -> UInt64? {
        guard case .success(let bytes) = RawFile.readAll(path("proc/meminfo")) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kib = UInt64(fields[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }

    /// GOMEMLIMIT from the process's environment as it started, in bytes; nil when unset, "off" or
    /// malformed. (A program that calls debug.SetMemoryLimit itself is not seen.)
    public func goMemoryLimit(pid: Int32) -> UInt64? {
        guard case .success(let bytes) = RawFile.readAll(path("proc/\(pid)/environ")) else { return nil }
        for entry in bytes.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            if text.hasPrefix("GOMEMLIMIT=") { return Self.parseGoMemoryLimit(String(text.dropFirst("GOMEMLIMIT=".count))) }
        }
        return nil
    }

    /// The Go runtime's syntax: a number of bytes with an optional B, KiB, MiB, GiB or TiB suffix.
    public static func parseGoMemoryLimit(_ text: String) -> UInt64? {
        let units: [(String, UInt64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)]
        var digits = Substring(text)
        var scale: UInt64 = 1
        for (suffix, factor) in units where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let n = UInt64(digits), n > 0 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }
}

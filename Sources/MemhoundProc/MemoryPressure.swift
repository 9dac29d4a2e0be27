/// Pressure stall information for memory (PSI): /proc/pressure/memory for the host, a v2 cgroup's
/// memory.pressure for the cgroup. Two lines in the kernel's format:
///
///     some avg10=0.00 avg60=0.00 avg300=0.00 total=54803
///     full avg10=0.00 avg60=0.00 avg300=0.00 total=5950
public struct MemoryPressure: Sendable, Equatable {
    /// Time at least one task was stalled waiting for memory.
    public var some: Stall
    /// Time all non-idle tasks were stalled at once (no progress at all).
    public var full: Stall

    public init(some: Stall, full: Stall) {
        self.some = some
        self.full = full
    }

    /// One line: the share of wall time stalled over three windows, and the running total.
    public struct Stall: Sendable, Equatable {
        /// Percent (0...100) of the last 10, 60 and 300 seconds.
        public var avg10: Double
        public var avg60: Double
        public var avg300: Double
        /// Microseconds stalled since boot (or since the cgroup was created).
        public var total: UInt64

        public init(avg10: Double, avg60: Double, avg300: Double, total: UInt64) {
            self.avg10 = avg10
            self.avg60 = avg60
            self.avg300 = avg300
            self.total = total
        }
    }

    /// Nil unless both the `some` and the `full` line are there with all four values well formed.
    public static func parse(_ text: String) -> MemoryPressure? {
        var some: Stall?
        var full: Stall?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let kind = words.first else { continue }
            let stall = parseStall(words.dropFirst())
            switch kind {
            case "some": some = stall
            case "full": full = stall
            default: continue
            }
        }
        guard let some, let full else { return nil }
        return MemoryPressure(some: some, full: full)
    }

    /// "avg10=0.00 avg60=0.00 avg300=0.00 total=0"; extra keys a later kernel may add are ignored.
    private static func parseStall(_ pairs: ArraySlice<Substring>) -> Stall? {
        var averages: [Substring: Double] = [:]
        var total: UInt64?
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            let key = pair[..<equals]
            let value = pair[pair.index(after: equals)...]
            if key == "total" {
                total = UInt64(value)
            } else if let average = Double(value), average.isFinite, average >= 0 {
                averages[key] = average
            }
        }
        guard let avg10 = averages["avg10"], let avg60 = averages["avg60"], let avg300 = averages["avg300"],
              let total
        else { return nil }
        return Stall(avg10: avg10, avg60: avg60, avg300: avg300, total: total)
    }
}

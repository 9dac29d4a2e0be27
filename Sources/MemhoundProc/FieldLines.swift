/// Helpers for the line formats of /proc and cgroup files: "Key:<whitespace>value [kB]" (/proc/PID/status,
/// smaps_rollup) and "key value" (cgroup files the kernel calls flat keyed: memory.stat, memory.events).
enum FieldLines {
    /// Calls `body(key, value)` for each line containing ':'; lines without one are skipped.
    static func forEach(in text: String, _ body: (Substring, Substring) -> Void) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            body(line[..<colon], line[line.index(after: colon)...])
        }
    }

    /// "   1764 kB" -> 1764 * 1024. A bare number is taken as is.
    /// Nil on garbage, an unknown unit or overflow, so such lines count as absent.
    static func bytes(_ value: Substring) -> UInt64? {
        let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = parts.first, let number = UInt64(first) else { return nil }
        switch parts.count {
        case 1:
            return number
        case 2 where parts[1] == "kB":
            let (product, overflow) = number.multipliedReportingOverflow(by: 1024)
            return overflow ? nil : product
        default:
            return nil
        }
    }

    /// "key value" lines as a dictionary. Lines without exactly two words or with a value that is not
    /// an unsigned decimal are skipped; a repeated key keeps its last value.
    static func flatKeyed(_ text: String) -> [Substring: UInt64] {
        var values: [Substring: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 2, let value = UInt64(words[1]) else { continue }
            values[words[0]] = value
        }
        return values
    }

    static func integer<T: FixedWidthInteger>(_ value: Substring, as: T.Type = T.self) -> T? {
        T(value.trimmingBlanks())
    }
}

extension Substring {
    /// Drops leading and trailing spaces and tabs (not other characters: comm may contain them).
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isBlank($0) })!
        return self[start...end]
    }
}

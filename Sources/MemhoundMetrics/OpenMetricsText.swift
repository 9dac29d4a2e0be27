/// OpenMetrics 1.0 text, rewritten from the registry's Prometheus 0.0.4 text. swift-prometheus 2.4.1
/// emits only the 0.0.4 format, and the two differ in few, mechanical ways, all handled here:
/// - a counter's family is named without `_total` in HELP and TYPE (its samples keep the suffix);
/// - a gauge named `*_info` that is always 1 is an `info` family (named without `_info`);
/// - HELP escapes double quotes too;
/// - the exposition ends with `# EOF`.
/// Sample lines are the same in both (label escaping and float values included).
enum OpenMetricsText {
    static let contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    static func convert(prometheusText text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        var types: [Substring: Substring] = [:]
        for line in lines where line.hasPrefix("# TYPE ") {
            let parts = line.dropFirst("# TYPE ".count).split(separator: " ", maxSplits: 1)
            if parts.count == 2 { types[parts[0]] = parts[1] }
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 64)
        for line in lines {
            if line.hasPrefix("# HELP ") {
                let parts = line.dropFirst("# HELP ".count).split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = parts.first else { continue }
                let help = parts.count > 1 ? parts[1] : ""
                out += "# HELP \(family(name, type: types[name]).name) \(escapeQuotes(help))\n"
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let (name, type) = family(parts[0], type: parts[1])
                out += "# TYPE \(name) \(type)\n"
            } else if !line.hasPrefix("#") {
                out += line + "\n"
            }
        }
        return out + "# EOF\n"
    }

    /// The OpenMetrics family name and type of a 0.0.4 family.
    private static func family(_ name: Substring, type: Substring?) -> (name: Substring, type: Substring) {
        switch type {
        case "counter" where name.hasSuffix("_total"):
            return (name.dropLast("_total".count), "counter")
        case "gauge" where name.hasSuffix("_info"):
            return (name.dropLast("_info".count), "info")
        default:
            return (name, type ?? "unknown")
        }
    }

    /// 0.0.4 HELP escapes backslash and line feed; OpenMetrics also a double quote.
    private static func escapeQuotes(_ help: Substring) -> String {
        var out = ""
        var escaped = false
        for c in help {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { out.append(c); escaped = true; continue }
            if c == "\"" { out += "\\\"" } else { out.append(c) }
        }
        return out
    }
}

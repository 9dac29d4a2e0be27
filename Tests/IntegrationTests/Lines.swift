// Reading memhound's JSON lines: reports, sites and their frames.
import Foundation

typealias JSONLine = [String: Any]

let mib = 1024.0 * 1024.0

/// A JSON number as Double (JSONSerialization gives NSNumber).
func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

func int32(_ value: Any?) -> Int32? { (value as? NSNumber).map { $0.int32Value } }

extension Outcome {
    func lines(ofType type: String) -> [JSONLine] { lines.filter { $0["type"] as? String == type } }

    /// The traced target's pid, from the start line.
    var targetPid: Int32? {
        lines(ofType: "start").first.flatMap { ($0["target"] as? JSONLine)?["pid"] }.flatMap(int32)
    }

    func reports(pid: Int32) -> [JSONLine] { lines(ofType: "report").filter { int32($0["pid"]) == pid } }

    func finalReport(pid: Int32) -> JSONLine? { reports(pid: pid).last { $0["final"] as? Bool == true } }

    func exitLine(pid: Int32) -> JSONLine? { lines(ofType: "exit").first { int32($0["pid"]) == pid } }

    /// Lines that are not JSON objects or lack "type"/"time".
    var malformedLines: [JSONLine] { lines.filter { $0["type"] as? String == nil || $0["time"] == nil } }
}

func sites(_ report: JSONLine) -> [JSONLine] { report["sites"] as? [JSONLine] ?? [] }

/// The function names of a site's or event's frames, leaf first (nil names become "?").
func functions(_ frames: JSONLine) -> [String] {
    (frames["frames"] as? [JSONLine] ?? []).map { $0["function"] as? String ?? "?" }
}

func sites(_ report: JSONLine, containing function: String) -> [JSONLine] {
    sites(report).filter { functions($0).contains(function) }
}

/// The site containing `function` with the most `key` ("bytes" or "grown").
func largestSite(_ report: JSONLine, containing function: String, by key: String = "bytes") -> JSONLine? {
    sites(report, containing: function).max { (number($0[key]) ?? 0) < (number($1[key]) ?? 0) }
}

/// A compact view of a report for failure messages.
func describe(_ report: JSONLine?) -> String {
    guard let report else { return "<no report>" }
    var text = "report pid \(report["pid"] ?? "?") final \(report["final"] ?? "?") growth \(report["growth"] ?? "?") "
        + "attributed \(report["attributed"] ?? "?") explained \(report["explained"] ?? "?") lost \(report["lost"] ?? "?")\n"
    for site in sites(report).prefix(25) {
        text += "  bytes \(site["bytes"] ?? "?") uncertain \(site["uncertain_bytes"] ?? "?") grown \(site["grown"] ?? "?") released \(site["released"] ?? "?")"
            + " frames \(functions(site).joined(separator: " < "))\n"
    }
    return text
}

/// True when `value` is within `fraction` of `expected`.
func near(_ value: Double?, _ expected: Double, within fraction: Double) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= expected * fraction
}

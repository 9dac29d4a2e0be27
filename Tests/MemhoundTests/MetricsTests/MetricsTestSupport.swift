import Foundation
import MemhoundOutput
import XCTest

/// Synthetic lines and the external tools the metrics tests check against.
enum MetricsFixtures {
    static let time = "2026-12-02T00:00:00.000Z"

    static func frame(_ function: String?, module: String, inlined: Bool = false) -> Frame {
        Frame(address: "0x1000", function: function, module: module, offset: "0x1000", inlined: inlined)
    }

    static func site(_ bytes: UInt64, _ frames: [Frame]) -> SiteEntry {
        SiteEntry(bytes: bytes, grown: bytes, released: 0, faults: bytes / 4096,
                  mapped: MappedBytes(bytes: bytes, count: 1, oldestAgeS: 1), frames: frames, category: "off_heap_mmap")
    }

    /// A report of `pid` whose sites are `sites` and whose attributed bytes are `attributed`.
    static func report(pid: Int32 = 42, comm: String? = "leaker", final: Bool = false, attributed: UInt64,
                       sites: [SiteEntry], otherSites: Int = 0, lost: LostCounts = LostCounts()) -> ReportLine {
        var r = ReportLine(
            time: time, final: final, pid: pid, comm: comm, elapsedS: 3,
            rss: MemoryBytes(anon: Int64(attributed) + 1_048_576, file: 2_097_152, shmem: 4096, swap: 0),
            growth: MemoryBytes(anon: Int64(attributed), file: -8192, shmem: 0, swap: 0),
            attributed: AttributedBytes(anon: attributed, uncertain: 4096), explained: 1,
            unattributed: Unattributed(foreignGrowth: 1, foreignRelease: 2, unscopedRelease: 3, preexistingRelease: 4),
            sites: sites, otherSites: otherSites, lost: lost,
            categories: ["off_heap_mmap": attributed, "malloc_heap": 0, "other": 0])
        r.lostRecords = 3
        r.tcp = TCPReport(retransmits: 5, synack: 1, failed: 0, segments: 6)
        return r
    }

    static func rss(pid: Int32 = 42, cgroup: String? = "/system.slice/leaker.service") -> RSSLine {
        var line = RSSLine(time: time, pid: pid, anon: 8_388_608, file: 2_097_152, shmem: 4096, swap: 0)
        line.cgroup = cgroup
        return line
    }

    static func start(pid: Int32 = 42, comm: String = "leaker") -> StartLine {
        StartLine(time: time, version: "0.1.0", mode: "run",
                  target: TargetInfo(pid: pid, comm: comm, exe: "/bin/leaker", cmdline: ["leaker"]), kernel: "6.2",
                  options: OptionsInfo(intervalS: 1, durationS: nil, top: 10, events: [], followChildren: true, output: nil))
    }

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// promtool (Debian package prometheus, installed by scripts/setup). Missing is a failure, not a skip.
    static func promtool() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/promtool"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        XCTFail("promtool not found: run scripts/setup (apt-get install prometheus)")
        throw CocoaError(.fileNoSuchFile)
    }

    /// Runs a tool with `input` on stdin; its status and stdout+stderr.
    static func run(_ tool: String, _ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

/// Samples of an exposition by name and labels (0.0.4 or OpenMetrics; no timestamps, as memhound writes none).
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            var labels: [String: String] = [:]
            var name = String(series)
            if let open = series.firstIndex(of: "{") {
                name = String(series[..<open])
                let body = series[series.index(after: open)..<series.index(before: series.endIndex)]
                // Label values here never hold `",` (they are names and paths).
                for pair in body.components(separatedBy: "\",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    labels[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .map(\.value)
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = values(name, labels)
        return found.count == 1 ? found[0] : nil
    }
}

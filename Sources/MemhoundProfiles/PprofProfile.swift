import Foundation
import MemhoundOutput

/// Final reports as one pprof profile (google/pprof's profile.proto), in the convention of Go
/// heap profiles so that `go tool pprof`, Pyroscope and Parca read it as one. docs/profiles.md.
public enum PprofProfile {
    /// Go's order; `inuse_space` is also named the default.
    /// - alloc_objects: the site's ANON counter increments (`faults`): page faults, or populate steps.
    /// - alloc_space: bytes it made resident (`grown`).
    /// - inuse_objects: alloc_objects in proportion to what is still resident (bytes / grown):
    ///   releases are measured in bytes, not per increment.
    /// - inuse_space: bytes it still holds (`bytes`).
    public static let sampleTypes = ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]
    public static let defaultSampleType = "inuse_space"

    /// One sample per site of every report (one report per process), labelled with its process.
    /// `mainExecutable` is listed first among the mappings, as pprof expects of the main binary.
    public static func build(_ reports: [ReportLine], mainExecutable: String? = nil) -> Perftools_Profiles_Profile {
        var builder = PprofBuilder()
        for report in reports {
            for site in report.sites { builder.add(site, of: report) }
        }
        var profile = builder.finish(mainExecutable: mainExecutable)
        profile.sampleType = sampleTypes.map { type in
            builder.valueType(type, unit: type.hasSuffix("_space") ? "bytes" : "count")
        }
        profile.defaultSampleType = builder.strings.index(defaultSampleType)
        profile.periodType = builder.valueType("space", unit: "bytes")
        profile.period = Int64(reports.map(\.sampleEvery).max() ?? 1)
        profile.comment = [builder.strings.index("memhound: anonymous resident memory by call site; objects are ANON counter increments (page faults)")]
        let starts = reports.compactMap { r in timestamp(r.time).map { $0 - r.elapsedS } }
        if let start = starts.min() { profile.timeNanos = Int64(start * 1e9) }
        profile.durationNanos = Int64((reports.map(\.elapsedS).max() ?? 0) * 1e9)
        profile.stringTable = builder.strings.all
        return profile
    }

    /// The gzip-compressed protobuf pprof files hold.
    public static func encoded(_ reports: [ReportLine], mainExecutable: String? = nil) throws -> [UInt8] {
        let bytes: [UInt8] = try build(reports, mainExecutable: mainExecutable).serializedBytes()
        return try Gzip.compress(bytes)
    }

    /// Reads what `encoded` wrote.
    public static func decode(_ file: [UInt8]) throws -> Perftools_Profiles_Profile {
        try Perftools_Profiles_Profile(serializedBytes: Gzip.decompress(file))
    }

    /// Seconds since the epoch of a line's `time` (RFC 3339 with milliseconds).
    static func timestamp(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    /// inuse_objects: the increments still resident, in proportion to the bytes.
    static func residentIncrements(_ site: SiteEntry) -> Int64 {
        guard site.grown > 0 else { return 0 }
        let share = min(1, Double(site.bytes) / Double(site.grown))
        return Int64((Double(site.faults) * share).rounded())
    }
}

/// pprof's string table: index 0 is "", each string once.
struct StringTable {
    private(set) var all: [String] = [""]
    private var indices: [String: Int64] = ["": 0]

    mutating func index(_ s: String) -> Int64 {
        if let known = indices[s] { return known }
        let i = Int64(all.count)
        all.append(s)
        indices[s] = i
        return i
    }
}

import Foundation

/// RFC 3339 UTC timestamps with milliseconds, e.g. 2026-11-21T19:40:00.123Z.
public enum Timestamp {
    public static func rfc3339(seconds: Int, nanoseconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), nanoseconds / 1_000_000)
    }

    /// Now, on the wall clock.
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return rfc3339(seconds: ts.tv_sec, nanoseconds: ts.tv_nsec)
    }
}

/// Converts the kernel's CLOCK_MONOTONIC event times to wall-clock strings.
public struct MonotonicClock: Sendable {
    private let offsetNs: Int64

    public init() {
        var mono = timespec(), real = timespec()
        clock_gettime(CLOCK_MONOTONIC, &mono)
        clock_gettime(CLOCK_REALTIME, &real)
        offsetNs = (Int64(real.tv_sec) - Int64(mono.tv_sec)) * 1_000_000_000
            + Int64(real.tv_nsec) - Int64(mono.tv_nsec)
    }

    public static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public func rfc3339(monotonicNs: UInt64) -> String {
        let wall = Int64(monotonicNs) + offsetNs
        return Timestamp.rfc3339(seconds: Int(wall / 1_000_000_000), nanoseconds: Int(wall % 1_000_000_000))
    }
}

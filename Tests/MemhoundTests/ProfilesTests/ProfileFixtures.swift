import MemhoundOutput

/// Synthetic final reports for the profile tests: two processes, inlined frames, a frame
/// without a symbol, a stack that was not captured.
enum ProfileFixtures {
    static let appBuildID = "3f2a9c0d8e71b4a5c6d7e8f90a1b2c3d4e5f6071"

    /// `cache_insert` inlined into `grow_cache` at one address, called from `main`.
    static let leakFrames = [
        Frame(address: "0x55d0c1a011c9", function: "cache_insert", module: "/usr/bin/app", offset: "0x11c9",
              file: "cache.h", line: 12, inlined: true, buildID: appBuildID),
        Frame(address: "0x55d0c1a011c9", function: "grow_cache", module: "/usr/bin/app", offset: "0x11c9",
              symbolOffset: 64, file: "app.c", line: 31, mangled: "_Z10grow_cachem", buildID: appBuildID),
        Frame(address: "0x55d0c1a01300", function: "main", module: "/usr/bin/app", offset: "0x1300",
              symbolOffset: 20, file: "app.c", line: 80, buildID: appBuildID),
    ]

    /// memset in libc (no line), called from an unsymbolized address of the app, then `main`.
    static let heapFrames = [
        Frame(address: "0x7f3a1c0a4f10", function: "memset", module: "/usr/lib/x86_64-linux-gnu/libc.so.6",
              offset: "0xa4f10", symbolOffset: 16, buildID: "aa55"),
        Frame(address: "0x55d0c1a01250", function: nil, module: "/usr/bin/app", offset: "0x1250", buildID: appBuildID),
        Frame(address: "0x55d0c1a01310", function: "main", module: "/usr/bin/app", offset: "0x1310",
              symbolOffset: 36, file: "app.c", line: 82, buildID: appBuildID),
    ]

    static func site(bytes: UInt64, grown: UInt64, faults: UInt64, frames: [Frame], category: String) -> SiteEntry {
        SiteEntry(bytes: bytes, grown: grown, released: grown - bytes, faults: faults,
                  mapped: MappedBytes(bytes: 0, count: 0, oldestAgeS: nil), frames: frames, category: category)
    }

    static func report(pid: Int32, comm: String?, sites: [SiteEntry], elapsed: Double = 6.5) -> ReportLine {
        ReportLine(time: "2026-12-02T00:00:10.000Z", final: true, pid: pid, comm: comm, elapsedS: elapsed,
                   rss: MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0),
                   growth: MemoryBytes(anon: 0, file: 0, shmem: 0, swap: 0), attributed: AttributedBytes(anon: 0),
                   explained: nil, unattributed: Unattributed(foreignGrowth: 0, foreignRelease: 0, unscopedRelease: 0,
                                                              preexistingRelease: 0),
                   sites: sites, otherSites: 0, lost: LostCounts())
    }

    static let leak = site(bytes: 48 << 20, grown: 48 << 20, faults: 12288, frames: leakFrames, category: "off_heap_mmap")
    static let heap = site(bytes: 1 << 20, grown: 4 << 20, faults: 1024, frames: heapFrames, category: "malloc_heap")
    static let lostStack = site(bytes: 8192, grown: 8192, faults: 2, frames: [], category: "other")

    static let main = report(pid: 4242, comm: "app", sites: [leak, heap, lostStack])
    static let child = report(pid: 4243, comm: "worker", sites: [leak], elapsed: 3)
}

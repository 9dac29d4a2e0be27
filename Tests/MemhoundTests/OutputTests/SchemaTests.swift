import Foundation
@testable import MemhoundAgent
import MemhoundEvents
import MemhoundOutput
import XCTest

/// Every line type memhound writes, encoded as LineWriter writes it (with `schema`), validated
/// against docs/schema by scripts/validate-lines: a field added, renamed or retyped in the code
/// without the schema fails here.
final class SchemaTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let time = "2026-12-02T00:00:00.000Z"

    func frame(_ name: String?, inlined: Bool = false) -> Frame {
        Frame(address: "0x401136", function: name, module: "/usr/bin/app", offset: "0x1136", symbolOffset: name == nil ? nil : 22,
              file: name == nil ? nil : "app.c", line: name == nil ? nil : 42, inlined: inlined,
              mangled: name == nil ? nil : "_Z4growv", moduleDeleted: name == nil,
              buildID: name == nil ? nil : "3f2a9c0d8e71b4a5c6d7e8f90a1b2c3d4e5f6071")
    }

    /// Alert lines of every kind, and a resolved one with nothing but its subject.
    func alertLines() -> [AlertLine] {
        var trend = AlertLine(time: time, kind: "trend", severity: "warning", state: "firing", activeS: 0,
                              summary: "trend warning: pid 42 (app) grows 8.0 MiB/h steadily for 2h00m; top: grow")
        trend.pid = 42; trend.comm = "app"
        trend.rates = [AlertRate(windowS: 3600, bytesPerHour: 8_388_608, steadiness: 0.97)]
        trend.risingForS = 7200; trend.rateBytesPerHour = Double(8 << 20)
        var site = SiteEntry(bytes: 8 << 20, grown: 8 << 20, released: 0, faults: 2048,
                             mapped: MappedBytes(bytes: 0, count: 0, oldestAgeS: nil), frames: [frame("grow")])
        site.rateBytesPerHour = Double(8 << 20)
        trend.sites = [site]
        var oom = AlertLine(time: time, kind: "oom_forecast", severity: "critical", state: "escalated", activeS: 30, summary: "oom")
        oom.cgroup = "/kubepods/pod1/abc"; oom.container = ContainerInfo(runtime: "containerd", id: "abc", podUID: "pod1")
        oom.etaS = 45; oom.limit = 100 << 20; oom.limitKind = "hard"; oom.usage = 90 << 20; oom.unreclaimable = 88 << 20
        oom.rateBytesPerHour = 5e9; oom.reasons = ["hard_limit_within", "pressure"]
        var spike = AlertLine(time: time, kind: "spike", severity: "warning", state: "firing", activeS: 0, summary: "spike")
        spike.pid = 42; spike.increment = 1e8; spike.baselineIncrement = 0; spike.z = 12
        site.rateBytesPerHour = nil; site.spikeBytes = 1e8
        spike.sites = [site]
        var gc = AlertLine(time: time, kind: "gc_pressure", severity: "warning", state: "firing", activeS: 0, summary: "gc")
        gc.pid = 43; gc.gcPerMinute = 600; gc.gcBaselinePerMinute = 60; gc.usage = 75 << 20; gc.limit = 80 << 20
        let resolved = AlertLine(time: time, kind: "spike", severity: "warning", state: "resolved", activeS: 120, summary: "resolved")
        return [trend, oom, spike, gc, resolved]
    }

    /// Group lines: with a container, sites and the cgroup's figures, and with none of them.
    func groupLines() -> [GroupLine] {
        var empty = GroupLine(time: time, final: true, cgroup: "/gone", cgroupVersion: 2)
        empty.exited = 3
        empty.categories = ["go_heap": 0, "goroutine_stacks": 0, "go_runtime": 0, "off_heap_mmap": 0, "malloc_heap": 0,
                            "thread_stacks": 0, "other": 0]
        var full = GroupLine(time: time, final: false, cgroup: "/kubepods/pod1/abc", cgroupVersion: 1)
        full.container = ContainerInfo(runtime: "containerd", id: "abc", podUID: "pod1")
        full.processes = 2
        full.pids = [42, 43]
        full.growth = MemoryBytes(anon: 8 << 20, file: 0, shmem: 0, swap: 0)
        full.attributed = AttributedBytes(anon: 8 << 20, uncertain: 4096)
        full.explained = 1
        var site = SiteEntry(bytes: 8 << 20, grown: 8 << 20, released: 0, faults: 2048,
                             mapped: MappedBytes(bytes: 8 << 20, count: 2, oldestAgeS: 3), frames: [frame("grow")])
        site.processes = 2
        site.cgo = true
        full.sites = [site]
        full.cgoBytes = 8 << 20
        full.otherSites = 1
        full.categories = ["go_heap": 0, "goroutine_stacks": 0, "go_runtime": 0, "off_heap_mmap": 0, "malloc_heap": 0,
                           "thread_stacks": 0, "other": 8 << 20]
        full.memory = fullCgroupMemory()
        full.hostPressure = fullPressure()
        full.trend = [AlertRate(windowS: 3600, bytesPerHour: 1e7, steadiness: 0.9)]
        return [empty, full]
    }

    /// Each line type, once with every optional field set and once with none.
    func allLines() -> [any Encodable] {
        var lines: [any Encodable] = []
        var options = OptionsInfo(intervalS: 10, durationS: 60, top: 20, events: ["mmap", "rss"],
                                  followChildren: true, output: "/tmp/out.jsonl")
        options.sampleEvery = 4
        options.stacks = "once"
        lines.append(StartLine(time: time, version: Session.version, mode: "run",
                               target: TargetInfo(pid: 42, comm: "app", exe: "/usr/bin/app", cmdline: ["app", "-v"]),
                               kernel: "6.18.0", options: options))
        var bare = OptionsInfo(intervalS: 1, durationS: nil, top: 0, events: [], followChildren: false, output: nil)
        bare.stacks = "inline"
        lines.append(StartLine(time: time, version: Session.version, mode: "attach",
                               target: TargetInfo(pid: 42, comm: nil, exe: nil, cmdline: []), kernel: nil,
                               options: bare))
        var rss = RSSLine(time: time, pid: 42, anon: 1 << 20, file: 2 << 20, shmem: 0, swap: 0)
        lines.append(rss)
        rss.pss = 1; rss.pssAnon = 2; rss.pssFile = 3; rss.pssShmem = 4
        rss.cgroup = "/sys/fs/cgroup/memory/app"; rss.cgroupMemoryCurrent = 5 << 20
        lines.append(rss)
        lines.append(contentsOf: reports())
        // --stacks once: the stack lines, then the same report and oom_kill referring to them.
        var table = StackLineTable(mode: .once)
        var once = reports()[0]
        let (stacks, referring) = table.refer(once.sites, time: time)
        XCTAssertFalse(stacks.isEmpty)
        lines.append(contentsOf: stacks as [any Encodable])
        lines.append(StackLine(time: time, id: StackLineID(raw: 9), frames: [frame("leak")], truncatedFrames: 126))
        once.sites = referring
        lines.append(once)
        lines.append(OOMKillLine(time: time, pid: 42, tid: 42, comm: "app", uid: 0, oomScoreAdj: 0, totalVM: 1 << 30,
                                 anonRSS: 100 << 20, fileRSS: 1 << 20, shmemRSS: 0, pageTables: 1 << 16, report: once))
        lines.append(ExitLine(time: time, pid: 42, exitCode: 0, signal: nil, anonAtExit: 4096))
        lines.append(ExitLine(time: time, pid: 42, exitCode: nil, signal: "SIGKILL", anonAtExit: nil))
        lines.append(ProcessLine(type: "fork", time: time, pid: 43, parentPid: 42, comm: "app"))
        lines.append(ProcessLine(type: "exec", time: time, pid: 43, parentPid: nil, comm: "sh"))
        lines.append(ProcessLine(type: "attach", time: time, pid: 44, parentPid: nil, comm: "server"))
        lines.append(StartLine(time: time, version: Session.version, mode: "watch", target: nil, kernel: "6.18.0",
                               options: options,
                               watch: WatchInfo(cgroups: [WatchedCgroupInfo(directory: "/sys/fs/cgroup/memory/kubepods",
                                                                            path: "/kubepods", version: 1)],
                                                all: true, pids: [7])))
        lines.append(contentsOf: groupLines())
        lines.append(contentsOf: alertLines())
        var lost = LostCounts()
        lost.ringBuffer = 1; lost.mapReads = 2
        lines.append(LostLine(time: time, lost: lost))
        lines.append(contentsOf: syscallLines())
        lines.append(EventLines.growth(PageRun(tgid: 42, tid: 43, start: 0x7f00_0000_0000, end: 0x7f00_0000_4000,
                                               firstTime: 1, lastTime: 2, faults: 4),
                                       time: time, frames: [frame("grow"), frame(nil)]))
        var tcp = TCPRetransmitLine(time: time, pid: 42, tid: 43, comm: "app", family: "ipv4", saddr: "127.0.0.1",
                                    sport: 5000, daddr: "127.0.0.1", dport: 6000, state: "ESTABLISHED",
                                    kind: "retransmit", failed: false, error: nil, segments: 2, onCPUPid: 0)
        tcp.kernelRetrans = 7
        lines.append(tcp)
        lines.append(TCPRetransmitLine(time: time, pid: 42, tid: 43, comm: "app", family: "ipv6", saddr: "::1",
                                       sport: 5000, daddr: "::1", dport: 6000, state: "SYN_RECV", kind: "synack",
                                       failed: true, error: "ENOBUFS", onCPUPid: 9))
        var oom = OOMKillLine(time: time, pid: 42, tid: 42, comm: "app", uid: 0, oomScoreAdj: -17, totalVM: 1 << 30,
                              anonRSS: 100 << 20, fileRSS: 1 << 20, shmemRSS: 0, pageTables: 1 << 16,
                              report: reports()[0])
        lines.append(oom)
        var untraced = OOMKillLine(time: time, pid: 43, tid: 43, comm: "sidecar", uid: 0, oomScoreAdj: 0, totalVM: 1 << 30,
                                   anonRSS: 100 << 20, fileRSS: 1 << 20, shmemRSS: 0, pageTables: 1 << 16, report: nil)
        untraced.cgroup = "/kubepods/pod1/abc"
        lines.append(untraced)
        oom.cgroup = "/kubepods/pod1/abc"; oom.cgroupVersion = 1; oom.cgroupUsage = 100 << 20
        oom.cgroupLimit = 100 << 20; oom.recentGrowth = RecentGrowth(windowS: 12.5, anon: 30 << 20)
        lines.append(oom)
        lines.append(CheckLine(time: time, kernel: "6.18.0", checks: [
            CheckLine.Item(name: "btf", ok: true, detail: "readable", fix: nil),
            CheckLine.Item(name: "tracefs", ok: false, detail: "not mounted", fix: "mount it"),
        ]))
        lines.append(CheckLine(time: time, kernel: nil, checks: []))
        return lines
    }

    func reports() -> [ReportLine] {
        let builder = ReportBuilder(top: 1)
        var leak = ReportBuilder.SiteTotals()
        leak.grown = 8 << 20
        leak.faults = 2048
        leak.mappedBytes = 8 << 20
        leak.mappedCount = 1
        leak.oldestMapping = 5
        leak.byCategory[.mallocHeap] = 4 << 20
        var churn = ReportBuilder.SiteTotals()
        churn.grown = 1 << 20
        var p = TracedProcess(pid: 42, comm: "app", baseline: .zero)
        p.latest = MemoryBytes(anon: 9 << 20, file: 0, shmem: 0, swap: 0)
        p.isGo = true
        var full = builder.report(process: p, final: false, time: time, nowNs: 10, elapsed: 1.5,
                                  totals: [.walked(1): leak, .unwound(2): churn], unmatchedRelease: 4096,
                                  lost: LostCounts(),
                                  frames: { [self.frame($0 == .walked(1) ? "leak" : "churn", inlined: true), self.frame(nil)] })
        var connection = TCPConnectionEntry(family: "ipv4", saddr: "127.0.0.1", sport: 5000, daddr: "127.0.0.1",
                                            dport: 6000, retransmits: 3, synack: 1, failed: 1, segments: 2,
                                            state: "ESTABLISHED")
        connection.kernelRetrans = 2
        connection.missed = 0
        full.tcp = TCPReport(retransmits: 3, synack: 1, failed: 1, segments: 2, unattributed: 1,
                             connections: [connection], otherConnections: 0, lost: 0)
        full.stackWalks = StackWalks(walked: 1, reused: 2, mismatched: 0, checked: true, collided: 3)
        full.stackWalks.copiesSkipped = 4
        full.lostRecords = 5
        full.container = ContainerInfo(runtime: "containerd", id: String(repeating: "a", count: 64),
                                       podUID: "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901")
        full.nsPid = 1
        full.goGCCycles = 42
        full.trend = [AlertRate(windowS: 300, bytesPerHour: -1e6, steadiness: 0.1)]
        p.latest = .zero
        let empty = builder.report(process: p, final: true, time: time, nowNs: 0, elapsed: 0, totals: [:],
                                   unmatchedRelease: 0, lost: LostCounts(), frames: { _ in [] })
        return [full, empty]
    }

    func syscallLines() -> [SyscallLine] {
        let calls: [(MemorySyscall, [UInt64], Int64)] = [
            (.mmap, [0, 8192, 3, 0x22, UInt64(bitPattern: -1), 0], 0x7f00_0000_0000),
            (.mmap, [0, 8192, 3, 0x22, UInt64(bitPattern: -1), 0], -12),
            (.munmap, [0x7f00_0000_0000, 8192, 0, 0, 0, 0], 0),
            (.mremap, [0x7f00_0000_0000, 8192, 16384, 1, 0, 0], 0x7f00_0001_0000),
            (.brk, [0x55_0000_1000, 0, 0, 0, 0, 0], 0x55_0000_1000),
            (.madvise, [0x7f00_0000_0000, 8192, 4, 0, 0, 0], 0),
            (.mprotect, [0x7f00_0000_0000, 8192, 1, 0, 0, 0], -1),
        ]
        return calls.map { call, args, result in
            EventLines.syscall(SyscallEvent(syscall: call, tgid: 42, tid: 43, enterTime: 1, exitTime: 5,
                                            result: result, args: args, anonDelta: -8192, anonBytes: 0),
                               time: time, frames: [frame("grow")])
        }
    }

    /// Runs scripts/validate-lines over `text`; its exit status and stderr.
    func validate(_ text: String, arguments: [String] = []) throws -> (status: Int32, errors: String) {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(getpid())-\(UUID()).jsonl")
        try text.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = Self.repo.appendingPathComponent("scripts/validate-lines")
        process.arguments = arguments.isEmpty ? [input.path] : arguments
        let stderr = Pipe()
        let stdout = Pipe()
        process.standardError = stderr
        process.standardOutput = stdout
        try process.run()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, errors + output)
    }

    /// The lines as LineWriter writes them.
    func written(_ lines: [any Encodable]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(getpid())-\(UUID()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let writer = try LineWriter(path: file.path)
        for line in lines { try writer.write(line) }
        try writer.flush()
        return try String(contentsOf: file, encoding: .utf8)
    }

    func testEveryLineTypeMatchesTheSchema() throws {
        let text = try written(allLines())
        let result = try validate(text)
        XCTAssertEqual(result.status, 0, result.errors)
        // Every type the schema knows is exercised here.
        let known = try validate("", arguments: ["--types"])
        XCTAssertEqual(known.status, 0, known.errors)
        let types = Set(known.errors.split(separator: "\n").map(String.init))
        let written = Set(text.split(separator: "\n").compactMap { line -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["type"] as? String
        })
        XCTAssertFalse(types.isEmpty)
        XCTAssertEqual(types.subtracting(written), [], "line types the schema knows but this test does not write")
        XCTAssertEqual(written.subtracting(types), [], "line types written but not in the schema")
    }

    func testEveryLineCarriesTheSchemaVersion() throws {
        for line in try written(allLines()).split(separator: "\n") {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["schema"] as? Int, OutputSchema.version, String(line))
        }
    }

    /// A site has its frames or a stack line's id, exactly one of them.
    func testSiteHasFramesOrStackNotBoth() throws {
        var table = StackLineTable(mode: .once)
        var report = reports()[0]
        report.sites = table.refer(report.sites, time: time).sites
        let line = try written([report]).trimmingCharacters(in: .newlines)
        XCTAssertTrue(line.contains(#""stack":1,"#), line)
        XCTAssertEqual(try validate(line).status, 0)
        XCTAssertEqual(try validate(line.replacingOccurrences(of: #""stack":1,"#, with: #""frames":[],"stack":1,"#)).status, 1)
        XCTAssertEqual(try validate(line.replacingOccurrences(of: #""stack":1,"#, with: "")).status, 1)
    }

    /// The schema is closed: a field it does not know, or one it requires missing, fails.
    func testUnknownAndMissingFieldsFail() throws {
        let line = try written([LostLine(time: time, lost: LostCounts())]).trimmingCharacters(in: .newlines)
        let extra = line.replacingOccurrences(of: "\"map_reads\":0", with: "\"map_reads\":0,\"new_counter\":1")
        let missing = line.replacingOccurrences(of: "\"map_reads\":0,", with: "")
        XCTAssertNotEqual(extra, line)
        XCTAssertNotEqual(missing, line)
        XCTAssertEqual(try validate(line).status, 0)
        let extraResult = try validate(extra)
        XCTAssertEqual(extraResult.status, 1)
        XCTAssertTrue(extraResult.errors.contains("new_counter"), extraResult.errors)
        XCTAssertEqual(try validate(missing).status, 1)
        let unversioned = line.replacingOccurrences(of: "\"schema\":1,", with: "")
        XCTAssertEqual(try validate(unversioned).status, 1)
    }
}

extension SchemaTests {
    func fullPressure() -> PressureInfo {
        PressureInfo(some: .init(avg10: 1.5, avg60: 0.8, avg300: 0.2, totalUs: 1_843_210),
                     full: .init(avg10: 0.9, avg60: 0.4, avg300: 0.1, totalUs: 921_605))
    }

    func fullCgroupMemory() -> CgroupMemoryInfo {
        CgroupMemoryInfo(usage: 1 << 30, limit: 2 << 30, high: 3 << 29, softLimit: 1 << 29, swap: 4096,
                         stat: .init(anon: 1 << 29, file: 1 << 28, kernelStack: 1 << 20, pagetables: 1 << 22, sock: 8192,
                                     shmem: 4096, slab: 9_000_000, anonTHP: 1 << 21, fileMapped: 1 << 20),
                         events: .init(low: 0, high: 12, max: 3, oom: 1, oomKill: 1, oomGroupKill: 0, failcnt: 17,
                                       underOOM: false, oomKillDisable: false),
                         pressure: fullPressure())
    }
}

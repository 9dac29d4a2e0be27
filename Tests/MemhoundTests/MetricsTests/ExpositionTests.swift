import Foundation
import MemhoundAgent
@testable import MemhoundMetrics
import MemhoundOutput
import XCTest

/// The exposition rendered from synthetic lines: its series and values, and promtool's verdict on it.
final class ExpositionTests: XCTestCase {
    private typealias F = MetricsFixtures

    private func observed(_ events: [SessionEvent]) -> MetricsObserver {
        let observer = MetricsObserver(version: "9.9.9")
        for event in events { observer.observe(event) }
        return observer
    }

    private func leakerReport(final: Bool = false) -> ReportLine {
        F.report(final: final, attributed: 40 << 20, sites: [
            F.site(32 << 20, [F.frame("mmap64", module: "/usr/lib/x86_64-linux-gnu/libc.so.6"),
                              F.frame("grow_cache", module: "/tmp/memhound-it-1/leaker"),
                              F.frame("main", module: "/tmp/memhound-it-1/leaker")]),
            // Another stack with the same leaf function and module: the same series.
            F.site(4 << 20, [F.frame("grow_cache", module: "/tmp/memhound-it-1/leaker"),
                             F.frame("run_steps", module: "/tmp/memhound-it-1/leaker")]),
            F.site(1 << 20, [F.frame(nil, module: "/opt/app/libfoo.so")]),
        ], otherSites: 7)
    }

    /// The same report as a Go program's (its `cgo_bytes` makes memhound_target_cgo_bytes).
    private func goReport() -> ReportLine {
        var r = leakerReport()
        r.cgoBytes = 1 << 20
        return r
    }

    func testPromtoolAcceptsTheExposition() throws {
        var lost = LostCounts()
        lost.ringBuffer = 12
        lost.outputLines = 3
        let observer = observed([.start(F.start()), .rss(F.rss()), .report(leakerReport()), .lost(lost),
                                 .health(SessionHealth(attached: true, fellBehind: true, reason: "12 records lost"))])
        let text = observer.registry.emitToString()
        let result = try F.run(try F.promtool(), ["check", "metrics"], input: text)
        XCTAssertEqual(result.status, 0, "promtool check metrics:\n\(result.output)\n\(text)")
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "", "promtool lint findings")
    }

    /// The OpenMetrics answer through a strict parser (prometheus_client's, Debian python3-prometheus-client).
    func testOpenMetricsParserAcceptsTheExposition() throws {
        let observer = observed([.start(F.start()), .rss(F.rss()), .report(goReport()), .group(group(processes: 2))])
        let routes = MetricsRoutes(registry: observer.registry, health: observer.health, refresh: {})
        let text = routes.respond(method: .GET, uri: "/metrics", accept: "application/openmetrics-text; version=1.0.0").body
        let script = """
            import sys
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
            families = list(text_string_to_metric_families(sys.stdin.read()))
            print(len(families), sorted(f.type for f in families if f.name == "memhound_build"))
            """
        // Debian's python3, where the package is (a python3 earlier on PATH may not see it).
        let result = try F.run("/usr/bin/python3", ["-c", script], input: text)
        XCTAssertEqual(result.status, 0, "OpenMetrics parser (apt-get install python3-prometheus-client):\n\(result.output)\n\(text)")
        XCTAssertEqual(result.output, "\(MetricFamily.all.count - 2) ['info']\n", "every family but memhound's own CPU and RSS")
    }

    func testSitesBySiteNameAndModuleWithTheRestAsOther() throws {
        let e = Exposition(observed([.start(F.start()), .rss(F.rss()), .report(leakerReport())]).registry.emitToString())
        let target = ["pid": "42", "comm": "leaker", "cgroup": "/system.slice/leaker.service"]
        let site = "memhound_site_resident_bytes"
        // The wrapper frame (libc mmap64) is not the site; the two grow_cache stacks are summed.
        XCTAssertEqual(e.value(site, target.merging(["site": "grow_cache", "module": "leaker"]) { $1 }), Double(36 << 20))
        XCTAssertEqual(e.value(site, target.merging(["site": "/opt/app/libfoo.so+0x1000", "module": "libfoo.so"]) { $1 }),
                       Double(1 << 20))
        XCTAssertEqual(e.value(site, target.merging(["site": "other", "module": ""]) { $1 }), Double(3 << 20))
        XCTAssertEqual(e.values(site).reduce(0, +), Double(40 << 20), "sites sum to the attributed bytes")
        XCTAssertEqual(e.value("memhound_target_folded_sites", target), 7)
        XCTAssertEqual(e.value("memhound_target_attributed_bytes", target), Double(40 << 20))
    }

    func testProcessFiguresFromReportAndRSSLines() throws {
        var lost = LostCounts()
        lost.ringBuffer = 12
        let e = Exposition(observed([.start(F.start()), .rss(F.rss()), .report(leakerReport()), .lost(lost)])
            .registry.emitToString())
        XCTAssertEqual(e.value("memhound_target_rss_bytes", ["pid": "42", "kind": "anon"]), Double((40 << 20) + 1_048_576))
        XCTAssertEqual(e.value("memhound_target_growth_bytes", ["kind": "file"]), -8192)
        XCTAssertEqual(e.value("memhound_target_attributed_uncertain_bytes"), 4096)
        XCTAssertEqual(e.value("memhound_target_unattributed_bytes", ["reason": "preexisting_release"]), 4)
        XCTAssertEqual(e.value("memhound_target_category_bytes", ["category": "off_heap_mmap"]), Double(40 << 20))
        XCTAssertTrue(e.values("memhound_target_cgo_bytes").isEmpty, "not a Go program")
        XCTAssertEqual(e.value("memhound_target_lost_records_total"), 3)
        XCTAssertEqual(e.value("memhound_target_tcp_retransmits_total"), 5)
        XCTAssertEqual(e.value("memhound_target_tcp_retransmitted_segments_total"), 6)
        XCTAssertEqual(e.value("memhound_lost_total", ["kind": "ring_buffer"]), 12)
        XCTAssertEqual(e.values("memhound_lost_total").count, 10, "one series per field of the lost object")
        XCTAssertEqual(e.value("memhound_build_info", ["version": "9.9.9"]), 1)
        XCTAssertEqual(e.value("memhound_up"), 1)
    }

    func testCgoBytesOfAGoProgram() throws {
        var report = leakerReport()
        report.cgoBytes = 6 << 20
        let e = Exposition(observed([.start(F.start()), .report(report)]).registry.emitToString())
        XCTAssertEqual(e.value("memhound_target_cgo_bytes", ["pid": "42"]), Double(6 << 20))
    }

    func testCountersFollowTotalsAndNeverGoBack() throws {
        let observer = observed([.start(F.start())])
        var lost = LostCounts()
        for total: UInt64 in [5, 9, 7] {
            lost.stacks = total
            observer.observe(.lost(lost))
        }
        XCTAssertEqual(Exposition(observer.registry.emitToString()).value("memhound_lost_total", ["kind": "stacks"]), 9)
    }

    func testFinishedProcessStaysOneIntervalThenGoes() throws {
        let ok = SessionHealth(attached: true, fellBehind: false, reason: nil)
        let child = F.report(pid: 43, comm: "worker", final: true, attributed: 4096, sites: [])
        let observer = observed([.start(F.start()), .report(leakerReport()), .report(child)])
        func pids() -> Set<String> {
            Set(Exposition(observer.registry.emitToString()).samples.compactMap { $0.labels["pid"] })
        }
        XCTAssertEqual(pids(), ["42", "43"])
        observer.observe(.health(ok))
        XCTAssertEqual(pids(), ["42", "43"], "the final values stay for the next scrape")
        observer.observe(.health(ok))
        XCTAssertEqual(pids(), ["42"], "then the finished process's series are removed")
    }

    func testSitesThatLeaveTheTopAreRemoved() throws {
        let observer = observed([.start(F.start()), .report(leakerReport())])
        observer.observe(.report(F.report(attributed: 8192, sites: [F.site(8192, [F.frame("fill", module: "/bin/x")])])))
        let sites = Exposition(observer.registry.emitToString()).samples
            .filter { $0.name == "memhound_site_resident_bytes" }.compactMap { $0.labels["site"] }
        XCTAssertEqual(Set(sites), ["fill", "other"])
    }

    func testRenamedProcessGetsNewSeries() throws {
        let observer = observed([.start(F.start()), .report(leakerReport())])
        observer.observe(.report(F.report(comm: "renamed", attributed: 0, sites: [])))
        let comms = Set(Exposition(observer.registry.emitToString()).samples.compactMap { $0.labels["comm"] })
        XCTAssertEqual(comms, ["renamed"])
    }

    func testCgroupLabelSurvivesASampleWithoutIt() throws {
        let observer = observed([.start(F.start()), .rss(F.rss()), .rss(F.rss(cgroup: nil)), .report(leakerReport())])
        let cgroups = Set(Exposition(observer.registry.emitToString()).samples.filter { $0.labels["pid"] == "42" }
            .map { $0.labels["cgroup"] })
        XCTAssertEqual(cgroups, ["/system.slice/leaker.service"])
    }

    func testEveryExportedFamilyIsDeclared() throws {
        let observer = observed([.start(F.start()), .rss(F.rss()), .report(goReport()), .group(group(processes: 2))])
        let usage = SelfUsage(registry: observer.registry)
        usage.refresh()
        let names = Set(Exposition(observer.registry.emitToString()).samples.map(\.name))
        XCTAssertEqual(names, Set(MetricFamily.all.map(\.name)))
        for family in MetricFamily.all {
            XCTAssertTrue(family.name.hasPrefix("memhound_"), family.name)
            XCTAssertEqual(family.kind == .counter, family.name.hasSuffix("_total"), family.name)
        }
    }

    private func group(processes: Int) -> GroupLine {
        var g = GroupLine(time: "2026-12-02T00:00:00.000Z", final: false, cgroup: "/kubepods/pod1/abc", cgroupVersion: 1)
        g.processes = processes
        g.exited = 3
        g.container = ContainerInfo(runtime: "containerd", id: "abc", podUID: "pod1")
        g.attributed = AttributedBytes(anon: 8 << 20)
        g.memory = CgroupMemoryInfo(usage: 100 << 20, limit: 200 << 20, events: .init(oomKill: 1))
        return g
    }

    /// watch's group lines: one set of series per cgroup, gone with its last line.
    func testCgroupSeriesFollowGroupLines() throws {
        let observer = observed([.start(F.start()), .group(group(processes: 2))])
        var e = Exposition(observer.registry.emitToString())
        let labels = ["cgroup": "/kubepods/pod1/abc", "container": "abc", "pod": "pod1"]
        XCTAssertEqual(e.value("memhound_cgroup_processes", labels), 2)
        XCTAssertEqual(e.value("memhound_cgroup_usage_bytes", labels), Double(100 << 20))
        XCTAssertEqual(e.value("memhound_cgroup_limit_bytes", labels), Double(200 << 20))
        XCTAssertEqual(e.value("memhound_cgroup_attributed_bytes", labels), Double(8 << 20))
        XCTAssertEqual(e.value("memhound_cgroup_oom_kills_total", labels), 1)
        XCTAssertEqual(e.value("memhound_cgroup_exited_processes_total", labels), 3)
        observer.observe(.group(group(processes: 0)))
        e = Exposition(observer.registry.emitToString())
        XCTAssertFalse(e.samples.contains { $0.name.hasPrefix("memhound_cgroup_") }, "\(e.samples.map(\.name))")
    }

    func testOwnCPUAndMemory() throws {
        let registry = MetricsObserver().registry
        let usage = SelfUsage(registry: registry)
        // Some CPU to count.
        var x = 0.0
        for i in 0..<2_000_000 { x += Double(i).squareRoot() }
        XCTAssertGreaterThan(x, 0)
        usage.refresh()
        let e = Exposition(registry.emitToString())
        XCTAssertGreaterThan(try XCTUnwrap(e.value("memhound_cpu_seconds_total")), 0)
        XCTAssertGreaterThan(try XCTUnwrap(e.value("memhound_resident_memory_bytes")), 1_048_576)
    }
}

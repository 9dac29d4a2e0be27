// `memhound watch`: every process of a cgroup (present and future), of a pid namespace, or some pids.
import Foundation
import XCTest

final class WatchTests: XCTestCase {
    /// A C and a Go program started in the cgroup (one in a nested cgroup) after watch began are
    /// both reported with their leaks; a process outside it never appears.
    func testProcessesStartedInTheCgroupAfterWatchBeganAreTracedAndABystanderIsNot() throws {
        try requirePrivileges()
        let cgroup = try makeCgroup(children: ["app/worker"])
        let watch = try startWatch(["--cgroup", cgroup.dir])
        defer { watch.signal(SIGKILL) }
        let c = try startIn(cgroup.dir + "/app/worker", try fixture(.leaker),
                            ["--steps", "6", "--step-mib", "4", "--step-ms", "100", "--then", "sleep"])
        defer { c.signal(SIGKILL) }
        let go = try startIn(cgroup.dir, try fixture(.goleak), ["-mmap-mib", "24", "-heap-mib", "0", "-then", "sleep"])
        defer { go.signal(SIGKILL) }
        let bystander = try Spawned(try fixture(.leaker), ["--steps", "4", "--step-mib", "2", "--then", "sleep"])
        defer { bystander.signal(SIGKILL) }
        XCTAssertTrue(c.out.wait(for: "ready", timeout: 20) && go.out.wait(for: "ready", timeout: 20))
        // Grown, and seen by at least two rounds of reports.
        sleep(4)
        watch.signal(SIGTERM)
        let outcome = watch.finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        try assertMatchesSchema(outcome)

        let cReport = try XCTUnwrap(outcome.finalReport(pid: c.pid), outcome.summary)
        XCTAssertTrue(near(number(largestSite(cReport, containing: "grow_cache")?["bytes"]), 24 * mib, within: 0.10), describe(cReport))
        let goReport = try XCTUnwrap(outcome.finalReport(pid: go.pid), outcome.summary)
        XCTAssertTrue(near(number(largestSite(goReport, containing: "main.growMmap")?["bytes"]), 24 * mib, within: 0.10), describe(goReport))
        for line in outcome.lines {
            XCTAssertNotEqual(int32(line["pid"]), bystander.pid, "the bystander outside the cgroup: \(line)")
            XCTAssertNotEqual(int32(line["pid"]), watch.pid, "memhound itself: \(line)")
        }
        // Group lines: one per cgroup holding traced processes, the nested one by its own path.
        let groups = outcome.lines(ofType: "group")
        let inner = try XCTUnwrap(groups.last { ($0["cgroup"] as? String) == cgroup.path + "/app/worker" }, outcome.summary)
        XCTAssertEqual(inner["final"] as? Bool, true, "\(inner)")
        XCTAssertEqual((inner["pids"] as? [NSNumber])?.map(\.int32Value), [c.pid], "\(inner)")
        XCTAssertTrue(near(number((inner["attributed"] as? JSONLine)?["anon"]), 24 * mib, within: 0.10), "\(inner)")
        XCTAssertTrue(functions((inner["sites"] as? [JSONLine])?.first ?? [:]).contains("grow_cache"), "\(inner)")
        let outer = try XCTUnwrap(groups.last { ($0["cgroup"] as? String) == cgroup.path }, outcome.summary)
        XCTAssertEqual((outer["pids"] as? [NSNumber])?.map(\.int32Value), [go.pid], "\(outer)")
        XCTAssertEqual(number((outer["memory"] as? JSONLine)?["usage"]).map { $0 > 24 * mib }, true, "the cgroup's own usage: \(outer)")
    }

    /// Processes already in the cgroup when watch starts are traced from then on; SIGTERM gives
    /// each of them a final report.
    func testSIGTERMGivesEveryLiveTargetItsFinalReport() throws {
        try requirePrivileges()
        let cgroup = try makeCgroup()
        var leakers: [Spawned] = []
        defer { leakers.forEach { $0.signal(SIGKILL) } }
        for _ in 0..<5 {
            // Each grows 8 MiB, starting once watch has surely taken it.
            leakers.append(try startIn(cgroup.dir, try fixture(.leaker),
                                       ["--delay-ms", "2500", "--steps", "2", "--step-mib", "4", "--then", "sleep"]))
        }
        XCTAssertTrue(leakers.allSatisfy { $0.out.wait(for: "ready", timeout: 20) })
        let watch = try startWatch(["--cgroup", cgroup.dir])
        defer { watch.signal(SIGKILL) }
        sleep(5)
        watch.signal(SIGTERM)
        let outcome = watch.finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        try assertMatchesSchema(outcome)
        XCTAssertEqual(Set(outcome.lines(ofType: "attach").compactMap { int32($0["pid"]) }), Set(leakers.map(\.pid)), outcome.summary)
        let finals = outcome.lines(ofType: "report").filter { $0["final"] as? Bool == true }
        XCTAssertEqual(finals.count, 5, outcome.summary)
        for leaker in leakers {
            let report = try XCTUnwrap(outcome.finalReport(pid: leaker.pid), outcome.summary)
            XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 8 * mib, within: 0.10), describe(report))
        }
    }

    /// `--all` inside a new pid namespace sees that namespace's processes only, under their pids
    /// there, and not memhound.
    func testAllInsideANewPidNamespaceSeesOnlyItsProcesses() throws {
        try requirePrivileges()
        let unshare = try XCTUnwrap(["/usr/bin/unshare", "/bin/unshare"].first(where: FileManager.default.isExecutableFile))
        let bystander = try Spawned(try fixture(.leaker), ["--steps", "2", "--step-mib", "2", "--then", "sleep"])
        defer { bystander.signal(SIGKILL) }
        let script = "\"$1\" --quiet --delay-ms 1500 --steps 4 --step-mib 4 --step-ms 100 --then sleep & "
            + "exec \"$0\" watch --all --interval 1 --duration 5 --format json"
        let outcome = try Spawned(unshare, ["--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script,
                                            try Memhound.path(), try fixture(.leaker)]).finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        try assertMatchesSchema(outcome)
        let reported = Set(outcome.lines(ofType: "report").compactMap { int32($0["pid"]) })
        XCTAssertFalse(reported.isEmpty, outcome.summary)
        XCTAssertTrue(reported.allSatisfy { $0 < 100 }, "only the namespace's pids: \(reported)")
        let comms = Set(outcome.lines(ofType: "report").compactMap { $0["comm"] as? String })
        XCTAssertFalse(comms.contains("memhound"), "\(comms)")
        let leaker = try XCTUnwrap(outcome.lines(ofType: "report").last { $0["comm"] as? String == "leaker" && $0["final"] as? Bool == true },
                                   outcome.summary)
        XCTAssertTrue(near(number(largestSite(leaker, containing: "grow_cache")?["bytes"]), 16 * mib, within: 0.10), describe(leaker))
    }

    /// A process of a watched cgroup killed by the OOM killer: the oom_kill line names what grew.
    func testAnOOMKillInAWatchedCgroupNamesWhatWasGrowing() throws {
        try requirePrivileges()
        let limit: UInt64 = 100 * 1024 * 1024
        let cgroup = try makeCgroup(limit: limit)
        let watch = try startWatch(["--cgroup", cgroup.dir])
        defer { watch.signal(SIGKILL) }
        let victim = try startIn(cgroup.dir, try fixture(.leaker), ["--steps", "200", "--step-mib", "4", "--step-ms", "50"])
        let ended = victim.finish(timeout: 60)
        XCTAssertEqual(ended.status, 9, "the kernel kills it: \(ended.summary)")
        sleep(2)
        watch.signal(SIGTERM)
        let outcome = watch.finish(timeout: 60)
        try assertMatchesSchema(outcome)
        let kill = try XCTUnwrap(outcome.lines(ofType: "oom_kill").first, outcome.summary)
        XCTAssertEqual(int32(kill["pid"]), victim.pid)
        XCTAssertEqual(kill["traced"] as? Bool, true)
        let anon = try XCTUnwrap(number(kill["anon_rss"]))
        let top = try XCTUnwrap((kill["sites"] as? [JSONLine])?.first, "\(kill)")
        XCTAssertTrue(functions(top).contains("grow_cache"), "\(kill)")
        XCTAssertTrue(near(number(top["bytes"]), anon, within: 0.10), "\(kill)")
        XCTAssertEqual(number(kill["cgroup_limit"]), Double(limit), "\(kill)")
        // Its group's last line counts it among the exited.
        let group = try XCTUnwrap(outcome.lines(ofType: "group").last { ($0["cgroup"] as? String) == cgroup.path }, outcome.summary)
        XCTAssertEqual(number(group["exited"]), 1, "\(group)")
    }

    /// `--format text`: the live view shows the cgroup, its usage, its top site and its processes.
    func testTheLiveViewShowsTheCgroupAndItsTopSites() throws {
        try requirePrivileges()
        let cgroup = try makeCgroup()
        let leaker = try startIn(cgroup.dir, try fixture(.leaker), ["--delay-ms", "1500", "--steps", "3", "--step-mib", "4", "--then", "sleep"])
        defer { leaker.signal(SIGKILL) }
        XCTAssertTrue(leaker.out.wait(for: "ready", timeout: 20))
        let outcome = try Memhound.run(["watch", "--cgroup", cgroup.dir, "--interval", "1", "--duration", "5", "--format", "text"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let views = outcome.stdout.components(separatedBy: "memhound watch · ")
        let final = try XCTUnwrap(views.last, outcome.stdout)
        XCTAssertTrue(final.contains("final · "), final)
        XCTAssertTrue(final.contains("\(cgroup.path.suffix(40)) · 1 processes · usage "), final)
        let site = try XCTUnwrap(final.split(separator: "\n").first { $0.contains("grow_cache") }, final)
        XCTAssertTrue(site.contains("12.0 MiB") || site.contains("11.9 MiB"), "3 x 4 MiB: \(site)")
        XCTAssertTrue(final.contains("\(leaker.pid)"), final)
        XCTAssertFalse(outcome.stdout.contains("{\""), "no JSON lines with --format text")
    }

    /// A cgroup of the unified (v2) hierarchy, below memhound's own there: its processes are traced
    /// too (the figures of a host without a v2 memory controller come from its v1 memory cgroup).
    func testAUnifiedHierarchyCgroupIsWatched() throws {
        try requirePrivileges()
        let text = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let own = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("0::") }, "no unified hierarchy").dropFirst(3)
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n")
        let mount = try XCTUnwrap(mounts.first { $0.contains(" - cgroup2 ") }.map { String($0.split(separator: " ")[4]) }, "no cgroup2 mount")
        let dir = mount + (own == "/" ? "" : String(own)) + "/memhound-watch-v2-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        addTeardownBlock { _ = rmdir(dir) }
        let watch = try startWatch(["--cgroup", dir])
        defer { watch.signal(SIGKILL) }
        let leaker = try startIn(dir, try fixture(.leaker), ["--steps", "3", "--step-mib", "4", "--then", "sleep"])
        defer { leaker.signal(SIGKILL) }
        XCTAssertTrue(leaker.out.wait(for: "ready", timeout: 20))
        sleep(3)
        watch.signal(SIGTERM)
        let outcome = watch.finish(timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let start = try XCTUnwrap(outcome.lines(ofType: "start").first)
        XCTAssertEqual(((start["watch"] as? JSONLine)?["cgroups"] as? [JSONLine])?.first?["version"] as? Int, 2, "\(start)")
        let report = try XCTUnwrap(outcome.finalReport(pid: leaker.pid), outcome.summary)
        XCTAssertTrue(near(number(largestSite(report, containing: "grow_cache")?["bytes"]), 12 * mib, within: 0.10), describe(report))
    }

    /// Bad targets: one line on stderr and a distinct exit code, before anything is loaded.
    func testBadTargetsFailCleanly() throws {
        try requirePrivileges()
        assertCleanError(try Memhound.run(["watch", "--cgroup", "/nonexistent/cgroup"]), code: 10)
        assertCleanError(try Memhound.run(["watch", "--cgroup", "/tmp"]), code: 10)
        assertCleanError(try Memhound.run(["watch"]), code: 64)
        assertCleanError(try Memhound.run(["watch", "--pid", "999999999"]), code: 3)
    }
}

@testable import MemhoundAgent
import MemhoundOutput
import XCTest

/// The live view of `attach` and `run`, rendered without a terminal.
final class TerminalViewTests: XCTestCase {
    func testAGoProgramsCgoBytesAndSitesAreShown() {
        var screens: [String] = []
        let view = TerminalView(top: 5, linesPath: nil, clearsScreen: false) { screens.append($0) }
        let options = OptionsInfo(intervalS: 1, durationS: nil, top: 5, events: [], followChildren: false, output: nil)
        view.observe(.start(StartLine(time: "t", version: "test", mode: "run",
                                      target: TargetInfo(pid: 7, comm: "cgoleak", exe: nil, cmdline: ["cgoleak"]),
                                      kernel: nil, options: options)))
        let frame = Frame(address: "0x1", function: "keep_c", module: "/usr/bin/cgoleak", offset: "0x1")
        var site = SiteEntry(bytes: 20 << 20, grown: 20 << 20, released: 0, faults: 5120,
                             mapped: MappedBytes(bytes: 0, count: 0, oldestAgeS: nil), frames: [frame], category: "malloc_heap")
        site.cgo = true
        var report = ReportLine(time: "t", final: false, pid: 7, comm: "cgoleak", elapsedS: 2,
                                rss: MemoryBytes(anon: 24 << 20, file: 0, shmem: 0, swap: 0),
                                growth: MemoryBytes(anon: 21 << 20, file: 0, shmem: 0, swap: 0),
                                attributed: AttributedBytes(anon: 21 << 20), explained: 1,
                                unattributed: Unattributed(foreignGrowth: 0, foreignRelease: 0, unscopedRelease: 0,
                                                           preexistingRelease: 0),
                                sites: [site], otherSites: 0, lost: LostCounts(),
                                categories: ["go_heap": 1 << 20, "malloc_heap": 20 << 20])
        report.cgoBytes = 20 << 20
        view.observe(.report(report))
        let screen = screens.last ?? ""
        XCTAssertTrue(screen.contains("Go heap 1.0 MiB · cgo 20.0 MiB (held by sites C code called through cgo grew)\n"), screen)
        XCTAssertTrue(screen.contains("malloc_heap cgo  keep_c\n"), screen)
    }
}

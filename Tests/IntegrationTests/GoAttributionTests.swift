// Go-aware attribution: categories of Go memory (off-heap mmap, Go heap, goroutine stacks), file:line from
// DWARF, and function names of a stripped Go binary (from .gopclntab alone).
import Foundation
import XCTest

final class GoAttributionTests: XCTestCase {
    /// main.growMmap maps and touches 32 MiB with syscall.Mmap (off_heap_mmap); main.growHeap allocates and
    /// touches 32 MiB of []byte (go_heap).
    func testGoMmapAndHeapGrowthAreCategorized() throws {
        try requirePrivileges()
        let (_, report) = try Attribution.run(try fixture(.goleak), ["-mmap-mib", "32", "-heap-mib", "32"])
        let detail = Attribution.describeWithCategories(report)
        Attribution.assertSound(report, "goleak")
        assertMmapAndHeapSites(report, detail)

        let offHeap = Attribution.categoryBytes(report, "off_heap_mmap")
        XCTAssertTrue(near(offHeap, 32 * mib, within: 0.10), "categories.off_heap_mmap \(offHeap ?? -1)\n\(detail)")
        let goHeap = Attribution.categoryBytes(report, "go_heap") ?? 0
        XCTAssertGreaterThanOrEqual(goHeap, 32 * mib * 0.9, "categories.go_heap\n\(detail)")
        XCTAssertLessThan(goHeap, 40 * mib, "categories.go_heap\n\(detail)")
    }

    /// main.growHeap's frame carries goleak.go and a line inside growHeap's body (DWARF of the unstripped build).
    func testGoFramesCarryFileAndLine() throws {
        try requirePrivileges()
        let (_, report) = try Attribution.run(try fixture(.goleak), ["-mmap-mib", "0", "-heap-mib", "16"])
        let detail = Attribution.describeWithCategories(report)
        Attribution.assertSound(report, "goleak")
        let site = largestSite(report, containing: "main.growHeap")
        let frame = try XCTUnwrap((site?["frames"] as? [JSONLine])?.first { $0["function"] as? String == "main.growHeap" },
                                  "no main.growHeap frame\n\(detail)")
        let path = try XCTUnwrap(frame["file"] as? String, "main.growHeap has no file: \(frame)")
        XCTAssertTrue(path.hasSuffix("goleak.go"), "\(frame)")
        let line = try XCTUnwrap(number(frame["line"]).map { Int($0) }, "main.growHeap has no line: \(frame)")

        // growHeap's body in the source the binary was built from (the path DWARF names), else this checkout's.
        let candidates = [path, URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Programs/goleak.go").path]
        let source = try XCTUnwrap(candidates.lazy.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.first,
                                   "goleak.go not readable at \(candidates)")
        let lines = source.components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("func growHeap(") }) + 1
        let end = try XCTUnwrap(lines[start...].firstIndex { $0 == "}" }) + 1
        XCTAssertTrue(line > start && line < end, "main.growHeap at line \(line), its body is lines \(start)-\(end): \(frame)")
    }

    /// 16 goroutines whose stacks grow to about 512 KiB each and stay parked: goroutine_stacks, at least 8 MiB.
    func testGrownGoroutineStacksAreCategorized() throws {
        try requirePrivileges()
        let (_, report) = try Attribution.run(try fixture(.goleak),
                                              ["-mmap-mib", "0", "-heap-mib", "0", "-goroutines", "16", "-stack-kib", "512"])
        let detail = Attribution.describeWithCategories(report)
        Attribution.assertSound(report, "goleak goroutines")
        let stacks = Attribution.categoryBytes(report, "goroutine_stacks") ?? 0
        XCTAssertGreaterThanOrEqual(stacks, 8 * mib, "categories.goroutine_stacks\n\(detail)")
        XCTAssertLessThan(stacks, 24 * mib, "categories.goroutine_stacks\n\(detail)")

        let stackSites = Attribution.sites(report) { $0 == "main.deepStack" || $0 == "runtime.copystack" }
        let site = stackSites.max { (number($0["bytes"]) ?? 0) < (number($1["bytes"]) ?? 0) }
        XCTAssertNotNil(site, "no site with main.deepStack or runtime.copystack\n\(detail)")
        XCTAssertEqual(Attribution.category(site), "goroutine_stacks", "\(Attribution.frames(site))\n\(detail)")
        XCTAssertGreaterThanOrEqual(Attribution.total(stackSites.filter { Attribution.category($0) == "goroutine_stacks" }),
                                    8 * mib, "goroutine_stacks sites through deepStack/copystack\n\(detail)")
    }

    /// The same program built with -ldflags="-s -w" (no symbol table, no DWARF): names come from .gopclntab.
    func testStrippedGoBinaryKeepsFunctionNames() throws {
        try requirePrivileges()
        let (_, report) = try Attribution.run(try fixture(.goleakStripped), ["-mmap-mib", "32", "-heap-mib", "32"])
        let detail = Attribution.describeWithCategories(report)
        Attribution.assertSound(report, "stripped goleak")
        assertMmapAndHeapSites(report, detail)
    }

    private func assertMmapAndHeapSites(_ report: JSONLine, _ detail: String,
                                        file: StaticString = #filePath, line: UInt = #line) {
        let mmapSite = largestSite(report, containing: "main.growMmap")
        XCTAssertTrue(near(number(mmapSite?["bytes"]), 32 * mib, within: 0.10),
                      "main.growMmap should hold 32 MiB: \(Attribution.frames(mmapSite))\n\(detail)", file: file, line: line)
        XCTAssertEqual(Attribution.category(mmapSite), "off_heap_mmap", "\(Attribution.frames(mmapSite))\n\(detail)",
                       file: file, line: line)
        // The Go heap may be reached through several runtime stacks; all of them pass through main.growHeap.
        let heapBytes = Attribution.total(report, "main.growHeap")
        XCTAssertTrue(near(heapBytes, 32 * mib, within: 0.10),
                      "main.growHeap sites should hold 32 MiB (got \(heapBytes))\n\(detail)", file: file, line: line)
        let heapSite = largestSite(report, containing: "main.growHeap")
        XCTAssertEqual(Attribution.category(heapSite), "go_heap", "\(Attribution.frames(heapSite))\n\(detail)",
                       file: file, line: line)
    }
}

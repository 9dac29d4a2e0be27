// Native heap growth named by the code behind it: small allocations through glibc's malloc, jemalloc and
// tcmalloc, C++ operator new and containers, CPython's allocators and C called from Go through cgo. The
// fixtures and the allocators they use keep no frame pointers (glibc, libstdc++, the allocators, CPython,
// cgo's C code all as Debian and Go build them), so these stacks need call frame information to be whole.
//
// Every fixture function grows until the process's RssAnon, read by the fixture itself from
// /proc/self/statm, has grown by its target, and prints what it made resident ("phase NAME BYTES bytes
// COUNT objects", on memhound's stderr): that is the known amount each function's sites must hold, within
// 10%. Each test also runs its fixture once with --check-unwind (see UnwindCheck).
import Foundation
import XCTest

/// Reading native-stack runs: the fixtures' own measurements, call chains in sites' frames.
enum NativeStacks {
    struct Phase {
        var bytes: Double
        var objects: Int
    }

    /// The "phase NAME BYTES bytes COUNT objects" lines the fixture printed (its stdout reaches memhound's stderr).
    static func phases(_ outcome: Outcome) -> [String: Phase] {
        var phases: [String: Phase] = [:]
        for line in outcome.stderrLines {
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 6, words[0] == "phase", words[3] == "bytes", words[5] == "objects",
                  let bytes = Double(words[2]), let objects = Int(words[4]) else { continue }
            phases[words[1]] = Phase(bytes: bytes, objects: objects)
        }
        return phases
    }

    /// The amount a fixture function made resident, after checking the fixture reached its target (`mib`).
    static func known(_ phases: [String: Phase], _ name: String, mib target: Double, _ outcome: Outcome,
                      file: StaticString = #filePath, line: UInt = #line) -> Double {
        guard let phase = phases[name] else {
            XCTFail("the fixture printed no phase \(name): \(outcome.stderr.suffix(2000))", file: file, line: line)
            return target * mib
        }
        XCTAssertGreaterThanOrEqual(phase.bytes, target * mib * 0.95,
                                    "fixture phase \(name) grew \(phase.bytes / mib) MiB, its target is \(target)",
                                    file: file, line: line)
        return phase.bytes
    }

    /// Whether a frame's function is `name`: exactly, or a C++ name with its parameters ("app::f(long)").
    static func matches(_ function: String, _ name: String) -> Bool {
        function == name || function.hasPrefix(name + "(")
    }

    /// Whether the site's frames contain `chain` in this order, leaf first (other frames may lie between:
    /// allocator internals, inlined frames, C-API internals).
    static func passes(_ site: JSONLine, through chain: [String]) -> Bool {
        var rest = chain[...]
        for function in functions(site) where !rest.isEmpty && matches(function, rest.first!) { rest = rest.dropFirst() }
        return rest.isEmpty
    }

    static func sites(_ report: JSONLine, through chain: [String]) -> [JSONLine] {
        IntegrationTests.sites(report).filter { passes($0, through: chain) }
    }

    /// Sites naming `name` anywhere, for failure messages.
    static func sites(_ report: JSONLine, naming name: String) -> [JSONLine] {
        IntegrationTests.sites(report).filter { functions($0).contains { matches($0, name) } }
    }

    /// The sites whose frames pass through `chain` (the leaking function first, then its callers) hold
    /// `expected` bytes within 10%, and so do those of them in `category`.
    static func assertChain(_ report: JSONLine, _ chain: [String], holds expected: Double, category: String = "malloc_heap",
                            _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let through = sites(report, through: chain)
        let bytes = Attribution.total(through)
        let inCategory = Attribution.total(through.filter { Attribution.category($0) == category })
        let holds = near(bytes, expected, within: 0.10), categorized = near(inCategory, expected, within: 0.10)
        if holds && categorized { return }
        let path = chain.joined(separator: " <- ")
        let naming = sites(report, naming: chain[0])
        let largest = { (sites: [JSONLine]) in
            sites.sorted { (number($0["bytes"]) ?? 0) > (number($1["bytes"]) ?? 0) }.prefix(3).map(Attribution.frames)
                .joined(separator: "\n  ")
        }
        let context = "Sites naming \(chain[0]) hold \(Attribution.total(naming) / mib) MiB; the largest:\n  "
            + largest(naming) + "\nthe largest sites of the run (explained \(report["explained"] ?? "?")):\n  "
            + largest(IntegrationTests.sites(report))
        XCTAssertTrue(holds, "\(label): sites through \(path) should hold \(expected / mib) MiB, hold \(bytes / mib). \(context)",
                      file: file, line: line)
        XCTAssertTrue(categorized, "\(label): \(inCategory / mib) MiB of the sites through \(path) are \(category), "
                        + "\(expected / mib) MiB should be. \(context)", file: file, line: line)
    }

    /// The report sums at least `bytes` under `category` (what the named sites hold, less 10%).
    static func assertCategoryHolds(_ report: JSONLine, _ category: String, atLeast bytes: Double, _ label: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        let held = Attribution.categoryBytes(report, category) ?? 0
        XCTAssertGreaterThanOrEqual(held, bytes * 0.9,
                                    "\(label): categories.\(category) \(held / mib) MiB, the fixture grew \(bytes / mib) MiB "
                                        + "there:\n\(Attribution.describeWithCategories(report))", file: file, line: line)
    }
}

/// `--check-unwind`: on sampled faults memhound also copies the stack, unwinds the copy in user space with
/// libdwfl and counts where the fast in-kernel unwind disagrees; the final report says so in
/// `"stack_walks": {"unwind_check": {"compared": N, "disagreed": M}}`. The option and the field are named here only.
/// The same run walks proven stacks too (--check-stack-reuse): a reused id never differed from a fresh walk.
enum UnwindCheck {
    static let option = "--check-unwind"
    static let reportField = "unwind_check"
    static let comparedKey = "compared"
    static let disagreedKey = "disagreed"

    /// Runs `program` once more with the checks on: some faults were compared, none disagreed; no proven
    /// stack differed from its walk.
    static func assertAgrees(_ program: String, _ arguments: [String], _ label: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let (_, report) = try Attribution.run(program, arguments, options: [option, "--check-stack-reuse"],
                                              file: file, line: line)
        let walks = report["stack_walks"] as? JSONLine ?? [:]
        XCTAssertEqual(walks["checked"] as? Bool, true, "\(label): \(walks)", file: file, line: line)
        XCTAssertEqual(number(walks["mismatched"]), 0, "\(label): a proven stack differed from its walk: \(walks)",
                       file: file, line: line)
        guard let check = (report["stack_walks"] as? JSONLine)?[reportField] as? JSONLine else {
            XCTFail("\(label) with \(option): the final report has no \(reportField): \(report.keys.sorted())",
                    file: file, line: line)
            return
        }
        let compared = number(check[comparedKey]), disagreed = number(check[disagreedKey])
        XCTAssertGreaterThan(compared ?? 0, 0, "\(label): no fault was compared: \(check)", file: file, line: line)
        XCTAssertEqual(disagreed, 0, "\(label): the in-kernel unwind disagreed with libdwfl: \(check)", file: file, line: line)
    }
}

final class NativeStackTests: XCTestCase {
    // MARK: C through glibc's malloc

    /// nativeleak.c at plain -O2, main thread: 16 MiB of malloc(64) in keep_small, 24 MiB of malloc(1024) in
    /// keep_kib, 8 MiB of calloc(1, 512) in keep_zeroed, a buffer realloc'd to 12 MiB in grow_buffer, each
    /// called by handle_request, called by main. malloc's own code touches most of those pages.
    func testSmallMallocsAreNamedInCodeWithoutFramePointers() throws {
        try requirePrivileges()
        try assertNativeLeak(.nativeleakO2, allocator: "glibc", thread: false)
    }

    /// The same built with -fno-omit-frame-pointer: the program's frames chain, glibc's still do not.
    func testSmallMallocsAreNamedInCodeWithFramePointers() throws {
        try requirePrivileges()
        try assertNativeLeak(.nativeleakO2FramePointers, allocator: "glibc", thread: false)
    }

    /// handle_request in a second thread (worker): its mallocs come from a thread arena (a heap malloc maps and
    /// grows with mprotect, sysmalloc touching its pages), plain -O2.
    func testSmallMallocsOfASecondThreadAreNamedWithoutFramePointers() throws {
        try requirePrivileges()
        try assertNativeLeak(.nativeleakO2, allocator: "glibc", thread: true)
    }

    /// The thread-arena case with frame pointers in the program.
    func testSmallMallocsOfASecondThreadAreNamedWithFramePointers() throws {
        try requirePrivileges()
        try assertNativeLeak(.nativeleakO2FramePointers, allocator: "glibc", thread: true)
    }

    // MARK: Other allocators

    /// nativeleak.c at plain -O2 linked with Debian's libjemalloc: jemalloc's extents (it maps them itself) are
    /// malloc_heap, and each function is named with its callers.
    func testJemallocLinkedProgramIsNamed() throws {
        try requirePrivileges()
        try assertNativeLeak(.nativeleakJemalloc, allocator: "jemalloc", thread: false)
    }

    /// nativeleak.c at plain -O2 linked with Debian's tcmalloc (gperftools, libtcmalloc_minimal), in a second
    /// thread: tcmalloc's spans (from sbrk or its own mmaps) are malloc_heap, each function named with its callers.
    func testTcmallocLinkedProgramIsNamed() throws {
        try requirePrivileges()
        try assertNativeLeak(.nativeleakTcmalloc, allocator: "tcmalloc", thread: true)
    }

    /// One run of nativeleak: every function's sites pass through handle_request and main (or worker), hold
    /// what the function made resident, and are malloc_heap; then the same run with --check-unwind.
    private func assertNativeLeak(_ build: Fixture, allocator: String, thread: Bool,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let program = try fixture(build)
        let arguments = ["--small-mib", "16", "--kib-mib", "24", "--zeroed-mib", "8", "--grow-mib", "12"]
            + (thread ? ["--thread"] : [])
        let label = "\(build.rawValue)\(thread ? " --thread" : "")"
        let (outcome, report) = try Attribution.run(program, arguments, file: file, line: line)
        XCTAssertTrue(outcome.stderrLines.contains("allocator \(allocator)"),
                      "\(label) should allocate with \(allocator): \(outcome.stderr.suffix(2000))", file: file, line: line)
        Attribution.assertSound(report, label, file: file, line: line)
        let phases = NativeStacks.phases(outcome)
        let caller = thread ? "worker" : "main"
        var total = 0.0
        for (function, mib) in [("keep_small", 16.0), ("keep_kib", 24), ("keep_zeroed", 8), ("grow_buffer", 12)] {
            let known = NativeStacks.known(phases, function, mib: mib, outcome, file: file, line: line)
            NativeStacks.assertChain(report, [function, "handle_request", caller], holds: known, label,
                                     file: file, line: line)
            total += known
        }
        NativeStacks.assertCategoryHolds(report, "malloc_heap", atLeast: total, label, file: file, line: line)
        try UnwindCheck.assertAgrees(program, arguments, label, file: file, line: line)
    }

    // MARK: C++

    /// cppnative.cpp at plain g++ -O2: 12 MiB of new Node (64 bytes) in app::index_insert, 24 MiB of
    /// 100-character std::string pushed into a std::vector in app::record_name, one std::string appended to
    /// 8 MiB in app::append_log, one std::vector<uint64_t> grown to 8 MiB in app::grow_samples, each called by
    /// app::handle_request, called by main. Names are demangled, with their parameters.
    func testCppNewAndContainerGrowthAreNamed() throws {
        try requirePrivileges()
        let program = try fixture(.cppnative)
        let arguments = ["--nodes-mib", "12", "--names-mib", "24", "--log-mib", "8", "--samples-mib", "8"]
        let (outcome, report) = try Attribution.run(program, arguments)
        Attribution.assertSound(report, "cppnative")
        let phases = NativeStacks.phases(outcome)
        var total = 0.0
        for (function, mib) in [("app::index_insert", 12.0), ("app::record_name", 24), ("app::append_log", 8),
                                ("app::grow_samples", 8)] {
            let known = NativeStacks.known(phases, function, mib: mib, outcome)
            NativeStacks.assertChain(report, [function, "app::handle_request", "main"], holds: known, "cppnative")
            total += known
        }
        // operator new is named as a frame of its own between the allocator and the function that called it.
        let nodes = NativeStacks.sites(report, through: ["operator new", "app::index_insert"])
        XCTAssertGreaterThan(Attribution.total(nodes), 0,
                             "no site through operator new <- app::index_insert:\n\(Attribution.describeWithCategories(report))")
        NativeStacks.assertCategoryHolds(report, "malloc_heap", atLeast: total, "cppnative")
        try UnwindCheck.assertAgrees(program, arguments, "cppnative")
    }

    // MARK: CPython

    /// Debian's /usr/bin/python3 (3.11, stripped: names come from its dynamic symbol table, so static functions
    /// such as bytes_new or pymalloc's stay unnamed) runs pyleak.py: 8 MiB of (x, x, x) tuples, small objects
    /// from pymalloc's arenas made by PyTuple_New; 16 MiB of x.to_bytes(1024), objects over 512 bytes that
    /// PyBytes_FromStringAndSize gets from malloc; 16 MiB of bytearray(1024), whose buffers PyByteArray_Resize
    /// gets from malloc. Each C-API function must be named above the allocator, below the eval loop and the
    /// interpreter's main; all of it is malloc_heap (pymalloc's arenas too).
    func testCPythonObjectsNameTheCAPIFunctionThatAllocated() throws {
        try requirePrivileges()
        let python = try debianPython()
        let arguments = [try fixtureSource("pyleak.py"), "--tuples-mib", "8", "--bytes-mib", "16", "--arrays-mib", "16"]
        let (outcome, report) = try Attribution.run(python, arguments)
        Attribution.assertSound(report, "pyleak")
        let phases = NativeStacks.phases(outcome)
        let eval = ["_PyEval_EvalFrameDefault", "Py_RunMain"]

        let tuples = NativeStacks.known(phases, "tuples", mib: 8, outcome)
        NativeStacks.assertChain(report, ["PyTuple_New"] + eval, holds: tuples, "pyleak tuples (pymalloc)")
        let bytes = NativeStacks.known(phases, "bytes", mib: 16, outcome)
        NativeStacks.assertChain(report, ["PyBytes_FromStringAndSize"] + eval, holds: bytes, "pyleak bytes (malloc)")
        // A phase also made the bytearray objects themselves (pymalloc, through the type's allocator): the
        // buffers alone are PyByteArray_Resize's.
        let arrays = Double(phases["arrays"]?.objects ?? 0) * 1024
        _ = NativeStacks.known(phases, "arrays", mib: 16, outcome)
        NativeStacks.assertChain(report, ["PyByteArray_Resize"] + eval, holds: arrays, "pyleak bytearray buffers (malloc)")
        NativeStacks.assertCategoryHolds(report, "malloc_heap", atLeast: tuples + bytes + arrays, "pyleak")
        try UnwindCheck.assertAgrees(python, arguments, "pyleak")
    }

    // MARK: cgo

    /// cgoleak.go: main.leakC calls C keep_c through cgo, which keeps 16 MiB of malloc(512) (C built by cgo with
    /// -O2, no frame pointers; it runs on the thread's system stack); then main.growHeap keeps 16 MiB of
    /// []byte. The C function must be followed by the Go frames that called it, its sites be malloc_heap and
    /// marked cgo; the Go heap stays go_heap and is not cgo.
    func testCgoMallocsNameTheirGoCallerAndAreToldApartFromTheGoHeap() throws {
        try requirePrivileges()
        let program = try fixture(.cgoleak)
        let arguments = ["-c-mib", "16", "-heap-mib", "16"]
        let (outcome, report) = try Attribution.run(program, arguments)
        let detail = Attribution.describeWithCategories(report)
        Attribution.assertSound(report, "cgoleak")
        let known = NativeStacks.known(NativeStacks.phases(outcome), "keep_c", mib: 16, outcome)
        let chain = ["keep_c", "main.leakC", "main.main"]
        NativeStacks.assertChain(report, chain, holds: known, "cgoleak C")
        let flagged = NativeStacks.sites(report, through: chain).filter { $0["cgo"] as? Bool == true }
        XCTAssertTrue(near(Attribution.total(flagged), known, within: 0.10),
                      "sites through \(chain) marked cgo hold \(Attribution.total(flagged) / mib) MiB of \(known / mib):\n"
                        + NativeStacks.sites(report, through: chain).prefix(3).map { "cgo \($0["cgo"] ?? "<absent>"): "
                            + Attribution.frames($0) }.joined(separator: "\n") + "\n\(detail)")

        let heap = NativeStacks.sites(report, naming: "main.growHeap")
        XCTAssertTrue(near(Attribution.total(heap), 16 * mib, within: 0.10),
                      "main.growHeap sites should hold 16 MiB (got \(Attribution.total(heap) / mib))\n\(detail)")
        let heapSite = largestSite(report, containing: "main.growHeap")
        XCTAssertEqual(Attribution.category(heapSite), "go_heap", "\(Attribution.frames(heapSite))\n\(detail)")
        for site in heap where site["cgo"] as? Bool == true {
            XCTFail("Go heap growth marked cgo: \(Attribution.frames(site))")
        }
        XCTAssertTrue(Attribution.sites(report) { $0 == "keep_c" }.allSatisfy { !functions($0).contains("main.growHeap") },
                      "keep_c and main.growHeap share a site:\n\(detail)")
        NativeStacks.assertCategoryHolds(report, "malloc_heap", atLeast: known, "cgoleak")
        NativeStacks.assertCategoryHolds(report, "go_heap", atLeast: 16 * mib, "cgoleak")
        try UnwindCheck.assertAgrees(program, arguments, "cgoleak")
    }
}

// Compiles the fixture programs in Programs/ once per test run, into a temporary directory.
import Foundation
import XCTest

enum Fixture: String {
    case leaker, goleak, tcpnode
    /// leaker.c at -O2 (map_anon inlined), with and without frame pointers.
    case leakerO2FramePointers = "leaker-o2-fp", leakerO2 = "leaker-o2"
    /// C++ growth in cache::Store::fill (g++ -O2); C growth in an always-inlined function (gcc -O2).
    case cppleak, inlineleak
    /// Two callers with identical frames down to the faulting code (gcc -O2, frame pointers, no sibling calls).
    case siblings
    /// 4096 call paths with distinct stacks (gcc -O2, frame pointers, no sibling calls).
    case manysites
    /// goleak.go stripped of symbols and DWARF (-ldflags="-s -w"): names come from .gopclntab only.
    case goleakStripped = "goleak-stripped"
    /// The fault-storm benchmark's workload, built as scripts/bench builds it (scripts/benchmarks/faultstorm.c).
    case faultstorm
    /// Maps, touches and unmaps as fast as it can (three ways), next to an 8 MiB leak (churnstorm.c).
    case churnstorm
    /// A Go program keeping its GC busy: garbage, and optionally a live heap growing to a bound (gcload.go).
    case gcload
    /// Small-object leaks through malloc, calloc and realloc (nativeleak.c): plain gcc -O2, and -O2 with frame
    /// pointers; plain -O2 linked with Debian's jemalloc, and with its tcmalloc (gperftools' minimal one).
    case nativeleakO2 = "nativeleak-o2", nativeleakO2FramePointers = "nativeleak-o2-fp"
    case nativeleakJemalloc = "nativeleak-jemalloc", nativeleakTcmalloc = "nativeleak-tcmalloc"
    /// C++ growth through operator new, std::string and std::vector (cppnative.cpp, plain g++ -O2).
    case cppnative
    /// Go calling C through cgo: C mallocs under a Go caller, next to Go heap growth (cgoleak.go).
    case cgoleak
}

private final class FixtureCache: @unchecked Sendable {
    static let shared = FixtureCache()
    private let lock = NSLock()
    private var built: [Fixture: Result<String, FixtureError>] = [:]

    let directory: URL = {
        let temp = FileManager.default.temporaryDirectory
        // Directories left by earlier runs whose test process is gone.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temp.path)) ?? []
        where name.hasPrefix("memhound-it-") {
            if let pid = Int32(name.dropFirst("memhound-it-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: temp.appendingPathComponent(name))
            }
        }
        let dir = temp.appendingPathComponent("memhound-it-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Readable by the unprivileged user of the missing-privileges test.
        chmod(dir.path, 0o755)
        return dir
    }()

    func path(_ fixture: Fixture) throws -> String {
        lock.lock(); defer { lock.unlock() }
        if let result = built[fixture] { return try result.get() }
        let result = Result { try build(fixture) }.mapError { $0 as? FixtureError ?? FixtureError(message: "\($0)") }
        built[fixture] = result
        return try result.get()
    }

    private func build(_ fixture: Fixture) throws -> String {
        let output = directory.appendingPathComponent(fixture.rawValue).path
        switch fixture {
        case .leaker:
            let source = try programsDirectory().appendingPathComponent("leaker.c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            try compile(gcc, ["-O1", "-g", "-fno-omit-frame-pointer", "-fno-inline", "-o", output, source])
        case .leakerO2FramePointers, .leakerO2:
            let source = try programsDirectory().appendingPathComponent("leaker.c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            let framePointers = fixture == .leakerO2FramePointers ? ["-fno-omit-frame-pointer"] : []
            try compile(gcc, ["-O2", "-g"] + framePointers + ["-o", output, source])
        case .inlineleak:
            let source = try programsDirectory().appendingPathComponent("inlineleak.c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            try compile(gcc, ["-O2", "-g", "-o", output, source])
        case .siblings, .manysites:
            let source = try programsDirectory().appendingPathComponent("\(fixture.rawValue).c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            try compile(gcc, ["-O2", "-g", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls", "-o", output, source])
        case .faultstorm:
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../scripts/benchmarks/faultstorm.c").standardized.path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            try compile(gcc, ["-O2", "-fno-omit-frame-pointer", "-o", output, source])
        case .cppleak:
            let source = try programsDirectory().appendingPathComponent("cppleak.cpp").path
            guard let gxx = findTool("g++") ?? findTool("c++") else { throw FixtureError(message: "g++ not found") }
            try compile(gxx, ["-O2", "-g", "-o", output, source])
        case .churnstorm:
            let source = try programsDirectory().appendingPathComponent("churnstorm.c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            try compile(gcc, ["-O1", "-g", "-fno-omit-frame-pointer", "-pthread", "-o", output, source])
        case .tcpnode:
            let source = try programsDirectory().appendingPathComponent("tcpnode.c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            try compile(gcc, ["-O1", "-g", "-pthread", "-o", output, source])
        case .nativeleakO2, .nativeleakO2FramePointers, .nativeleakJemalloc, .nativeleakTcmalloc:
            let source = try programsDirectory().appendingPathComponent("nativeleak.c").path
            guard let gcc = findTool("gcc") ?? findTool("cc") else { throw FixtureError(message: "gcc not found") }
            let framePointers = fixture == .nativeleakO2FramePointers ? ["-fno-omit-frame-pointer"] : []
            // The allocator is linked although nothing names it, so --as-needed must not drop it.
            let (library, package) = fixture == .nativeleakJemalloc ? ("jemalloc", "libjemalloc-dev")
                : fixture == .nativeleakTcmalloc ? ("tcmalloc_minimal", "libgoogle-perftools-dev") : ("", "")
            let allocator = library.isEmpty ? [] : ["-Wl,--no-as-needed", "-l\(library)"]
            do {
                try compile(gcc, ["-O2", "-pthread"] + framePointers + ["-o", output, source] + allocator)
            } catch let error as FixtureError where !library.isEmpty {
                throw FixtureError(message: "linking Debian's \(library) (package \(package), scripts/setup installs it): \(error)")
            }
        case .cppnative:
            let source = try programsDirectory().appendingPathComponent("cppnative.cpp").path
            guard let gxx = findTool("g++") ?? findTool("c++") else { throw FixtureError(message: "g++ not found") }
            try compile(gxx, ["-O2", "-o", output, source])
        case .goleak, .goleakStripped, .gcload, .cgoleak:
            let name = fixture == .gcload ? "gcload.go" : fixture == .cgoleak ? "cgoleak.go" : "goleak.go"
            let source = try programsDirectory().appendingPathComponent(name).path
            guard let go = findTool("go") else { throw FixtureError(message: "go not found") }
            var env = ProcessInfo.processInfo.environment
            if fixture == .cgoleak {  // cgo needs a C compiler, and must not be switched off
                guard (findTool("gcc") ?? findTool("cc")) != nil else { throw FixtureError(message: "gcc not found (cgo)") }
                env["CGO_ENABLED"] = "1"
            }
            if (env["HOME"] ?? "").isEmpty {  // CI may run as root without HOME: go needs somewhere to cache
                if env["GOCACHE"] == nil { env["GOCACHE"] = directory.appendingPathComponent("gocache").path }
                if env["GOPATH"] == nil { env["GOPATH"] = directory.appendingPathComponent("gopath").path }
            }
            let strip = fixture == .goleakStripped ? ["-ldflags=-s -w"] : []
            try compile(go, ["build"] + strip + ["-o", output, source], environment: env)
        }
        return output
    }

    /// A source or script in Programs/ (fixtures that are not compiled, like Python scripts).
    func source(_ name: String) throws -> String {
        let path = try programsDirectory().appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else { throw FixtureError(message: "\(name) not found at \(path)") }
        return path
    }

    private func compile(_ tool: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let outcome = try Spawned(tool, arguments, environment: environment).finish(timeout: 300)
        guard outcome.status == 0, !outcome.signaled else {
            throw FixtureError(message: "\(tool) \(arguments.joined(separator: " ")) failed: \(outcome.summary)")
        }
    }

    /// The copied resources next to the test bundle, else the sources (not Bundle.module: it traps when absent).
    private func programsDirectory() throws -> URL {
        let resources = "memhound_IntegrationTests.resources/Programs"
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(resources),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(resources),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs"),
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw FixtureError(message: "Programs directory not found in \(candidates.map(\.path))")
        }
        return found
    }

    private func findTool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/local/go/bin", "/usr/lib/go/bin", "/usr/bin"]
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension XCTestCase {
    /// The path of a compiled fixture program (built on first use in this test run).
    func fixture(_ fixture: Fixture) throws -> String { try FixtureCache.shared.path(fixture) }

    /// A script of Programs/ (not compiled), e.g. pyleak.py.
    func fixtureSource(_ name: String) throws -> String { try FixtureCache.shared.source(name) }

    /// Debian's CPython, /usr/bin/python3 (not whatever python3 comes first on PATH): the tests rely on how Debian
    /// builds it (stripped, the C-API in its dynamic symbol table). Missing, it fails the test like any missing tool.
    func debianPython() throws -> String {
        let path = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw FixtureError(message: "\(path) not found: scripts/setup installs Debian's python3")
        }
        return path
    }

    /// The temporary directory of this test run (fixtures, output files).
    var scratchDirectory: URL { FixtureCache.shared.directory }
}

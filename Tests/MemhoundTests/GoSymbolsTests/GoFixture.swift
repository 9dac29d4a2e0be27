import Foundation
import XCTest

/// What the Go runtime of the fixture program said about its own pcs.
struct GoRuntimeReport: Sendable {
    struct Frame: Sendable {
        var pc: UInt64
        var function: String
        var line: Int
        var file: String
    }

    /// Run-time entry of main.main: minus its link-time entry, the load bias.
    var mainEntry: UInt64 = 0
    var physicalEntry: UInt64 = 0
    var physicalPC: UInt64 = 0
    var physicalLine = 0
    var physicalFile = ""
    /// runtime.Callers from inside leaf (inlined into middle, inlined into outer).
    var stackPCs: [UInt64] = []
    var frames: [Frame] = []

    /// Moves every pc by -bias, to the binary's link-time addresses.
    func unbiased(_ bias: UInt64) -> GoRuntimeReport {
        var r = self
        (r.mainEntry, r.physicalEntry, r.physicalPC) = (mainEntry &- bias, physicalEntry &- bias, physicalPC &- bias)
        r.stackPCs = stackPCs.map { $0 &- bias }
        r.frames = frames.map { var f = $0; f.pc &-= bias; return f }
        return r
    }

    init(output: String) {
        for line in output.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 4).map(String.init)
            switch f.first {
            case "main" where f.count == 2: mainEntry = UInt64(f[1]) ?? 0
            case "physical" where f.count == 4:
                (physicalEntry, physicalPC) = (UInt64(f[1]) ?? 0, UInt64(f[2]) ?? 0)
                physicalLine = Int(f[3]) ?? 0
            case "file": physicalFile = String(line.dropFirst("file ".count))
            case "pc" where f.count == 2: stackPCs.append(UInt64(f[1]) ?? 0)
            case "frame" where f.count == 5:
                frames.append(Frame(pc: UInt64(f[1]) ?? 0, function: f[2], line: Int(f[3]) ?? 0, file: f[4]))
            default: break
            }
        }
    }
}

/// Builds Tests/MemhoundTests/Fixtures/go/gosymtarget.go once per test run in
/// three ways (plain, stripped with -s -w, stripped PIE) with the Go toolchain
/// that scripts/setup installs. MEMHOUND_TEST_GO names another `go` binary, to
/// check other Go releases by hand.
struct GoFixture: Sendable {
    var directory: String
    var go: String
    var plain: String
    var stripped: String
    var strippedPIE: String

    static let shared: Result<GoFixture, any Error> = Result { try build() }

    static func get() throws -> GoFixture { try shared.get() }

    static func goTool() -> String? {
        let env = ProcessInfo.processInfo.environment["MEMHOUND_TEST_GO"]
        return ([env].compactMap { $0 } + ["/usr/bin/go", "/usr/lib/go/bin/go", "/usr/local/go/bin/go"])
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func build() throws -> GoFixture {
        guard let go = goTool() else {
            throw GoFixtureError.failed("no Go toolchain: run scripts/setup (it installs golang-go)")
        }
        let source = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/go/gosymtarget", withExtension: "go")).path
        removeStaleDirectories()
        let dir = NSTemporaryDirectory() + "memhound-gosym-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let main = dir + "/gosymtarget.go"
        try? FileManager.default.removeItem(atPath: main)
        try FileManager.default.copyItem(atPath: source, toPath: main)
        let fixture = GoFixture(directory: dir, go: go, plain: dir + "/plain", stripped: dir + "/stripped",
                                strippedPIE: dir + "/stripped-pie")
        try fixture.goBuild(["-o", fixture.plain])
        try fixture.goBuild(["-ldflags=-s -w", "-o", fixture.stripped])
        try fixture.goBuild(["-buildmode=pie", "-ldflags=-s -w", "-o", fixture.strippedPIE])
        return fixture
    }

    /// Directories of earlier runs whose process is gone (built binaries are a few MiB each).
    private static func removeStaleDirectories() {
        let tmp = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("memhound-gosym-") {
            guard let pid = Int32(name.dropFirst("memhound-gosym-".count)), pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: tmp + name)
        }
    }

    private func goBuild(_ arguments: [String]) throws {
        let result = try Self.run(go, ["build"] + arguments + ["gosymtarget.go"], in: directory, environment: goEnvironment())
        guard result.status == 0 else { throw GoFixtureError.failed("go build \(arguments): \(result.output)") }
    }

    /// Runs `go tool addr2line` on `binary` for `addresses`: (function, file:line) per address.
    func addr2line(_ binary: String, _ addresses: [UInt64]) throws -> [(String, String)] {
        let input = addresses.map { "0x" + String($0, radix: 16) }.joined(separator: "\n") + "\n"
        let result = try Self.run(go, ["tool", "addr2line", binary], in: directory, environment: goEnvironment(), input: input)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard result.status == 0, lines.count >= 2 * addresses.count else { throw GoFixtureError.failed("addr2line: \(result.output)") }
        return (0..<addresses.count).map { (lines[2 * $0], lines[2 * $0 + 1]) }
    }

    func runtimeReport(_ binary: String) throws -> GoRuntimeReport {
        let result = try Self.run(binary, [], in: directory, environment: [:])
        guard result.status == 0 else { throw GoFixtureError.failed("\(binary) exited \(result.status)") }
        return GoRuntimeReport(output: result.output)
    }

    /// The caches go to the fixture directory when there is no HOME (as under CI).
    private func goEnvironment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        if (env["HOME"] ?? "").isEmpty {
            env["GOCACHE"] = directory + "/gocache"
            env["GOPATH"] = directory + "/gopath"
        }
        env["GOTOOLCHAIN"] = "local"
        env["CGO_ENABLED"] = "0"
        env["GOFLAGS"] = ""
        return env
    }

    /// Runs a program; stdout and stderr together.
    static func run(_ path: String, _ arguments: [String], in directory: String,
                    environment: [String: String], input: String? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        if !environment.isEmpty { p.environment = environment }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        // Input goes through a file: writing a pipe while the output pipe fills would deadlock.
        let inputPath = directory + "/input-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: inputPath) }
        FileManager.default.createFile(atPath: inputPath, contents: Data((input ?? "").utf8))
        p.standardInput = FileHandle(forReadingAtPath: inputPath)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

enum GoFixtureError: Error, CustomStringConvertible {
    case failed(String)
    var description: String { if case .failed(let s) = self { return s }; return "" }
}

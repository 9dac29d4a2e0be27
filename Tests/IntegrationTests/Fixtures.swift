// Compiles the fixture programs in Programs/ once per test run, into a temporary directory.
import Foundation
import XCTest

enum Fixture: String {
    case leaker, goleak
}

private final class FixtureCache: @unchecked Sendable {
    static let shared = FixtureCache()
    private let lock = NSLock()
    private var built: [Fixture: Result<String, FixtureError>] = [:]

    let directory: URL = {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("memhound-it-\(getpid())", isDirectory: true)
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
        case .goleak:
            let source = try programsDirectory().appendingPathComponent("goleak.go").path
            guard let go = findTool("go") else { throw FixtureError(message: "go not found") }
            var env = ProcessInfo.processInfo.environment
            if (env["HOME"] ?? "").isEmpty {  // CI may run as root without HOME: go needs somewhere to cache
                if env["GOCACHE"] == nil { env["GOCACHE"] = directory.appendingPathComponent("gocache").path }
                if env["GOPATH"] == nil { env["GOPATH"] = directory.appendingPathComponent("gopath").path }
            }
            try compile(go, ["build", "-o", output, source], environment: env)
        }
        return output
    }

    private func compile(_ tool: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let outcome = try Spawned(tool, arguments, environment: environment).finish(timeout: 300)
        guard outcome.status == 0, !outcome.signaled else {
            throw FixtureError(message: "\(tool) \(arguments.joined(separator: " ")) failed: \(outcome.summary)")
        }
    }

    private func programsDirectory() throws -> URL {
        if let url = Bundle.module.url(forResource: "Programs", withExtension: nil) { return url }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw FixtureError(message: "Programs directory not found")
        }
        return source
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

    /// The temporary directory of this test run (fixtures, output files).
    var scratchDirectory: URL { FixtureCache.shared.directory }
}

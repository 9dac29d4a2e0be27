// docs/deploy: every memhound command line in the Kubernetes manifests and the systemd unit is one
// the real binary accepts (`--dry-run` parses and checks it, then exits without tracing).
import Foundation
import XCTest

final class DeployCommandLineTests: XCTestCase {
    private let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/deploy")

    /// The `args: [...]` lists of a manifest (commented alternatives too), as JSON arrays.
    private func manifestArguments(_ file: String) throws -> [[String]] {
        let text = try String(contentsOf: deploy.appendingPathComponent(file), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> [String]? in
            var s = line.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("#") { s = String(s.dropFirst()).trimmingCharacters(in: .whitespaces) }
            guard s.hasPrefix("args: [") else { return nil }
            let array = try JSONSerialization.jsonObject(with: Data(s.dropFirst("args: ".count).utf8))
            return try XCTUnwrap(array as? [String], "not a list of strings: \(line)")
        }
    }

    private func assertAccepted(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try Memhound.run(arguments + ["--dry-run"], timeout: 30)
        XCTAssertEqual(outcome.status, 0, "\(arguments): \(outcome.summary)", file: file, line: line)
        XCTAssertTrue(outcome.stdout.contains("memhound watch would trace"), outcome.summary, file: file, line: line)
    }

    func testKubernetesManifestsCommandLinesAreAccepted() throws {
        for (file, expected) in [("kubernetes-sidecar.yaml", 1), ("kubernetes-daemonset.yaml", 2)] {
            let lists = try manifestArguments(file)
            XCTAssertEqual(lists.count, expected, "memhound command lines in \(file)")
            for arguments in lists { try assertAccepted(arguments) }
        }
        // The sidecar shares the pod's pid namespace and watches it all.
        let sidecar = try String(contentsOf: deploy.appendingPathComponent("kubernetes-sidecar.yaml"), encoding: .utf8)
        XCTAssertTrue(sidecar.contains("shareProcessNamespace: true"))
        XCTAssertTrue(try manifestArguments("kubernetes-sidecar.yaml")[0].contains("--all"))
    }

    func testSystemdUnitCommandLineIsAccepted() throws {
        let text = try String(contentsOf: deploy.appendingPathComponent("memhound-watch@.service"), encoding: .utf8)
        let exec = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let words = exec.dropFirst("ExecStart=".count).replacingOccurrences(of: "%i", with: "example")
            .split(separator: " ").map(String.init)
        XCTAssertTrue(words.first?.hasSuffix("/memhound") == true, "\(exec)")
        try assertAccepted(Array(words.dropFirst()))
    }

    /// --dry-run still refuses what the real run would refuse.
    func testDryRunRejectsBadCommandLines() throws {
        let outcome = try Memhound.run(["watch", "--dry-run"], timeout: 30)
        XCTAssertEqual(outcome.status, 64, outcome.summary)
    }
}

// `memhound run --metrics`: a real Prometheus server scrapes memhound every second while the C fixture leaks,
// and its HTTP API must show the leaking call site's resident bytes.
import Foundation
import XCTest

final class MetricsTests: XCTestCase {
    private let leakBytes = 12 * 4 * 1_048_576.0

    func testPrometheusSeesTheLeakingSite() throws {
        try requirePrivileges()
        let prometheus = try requiredTool("prometheus")
        let leaker = try fixture(.leaker)
        guard let port = LocalHTTP.freePort(), let prometheusPort = LocalHTTP.freePort(), port != prometheusPort else {
            return XCTFail("no free loopback port")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-prometheus-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: memhound
                static_configs:
                  - targets: ["127.0.0.1:\(port)"]

            """.write(to: config, atomically: true, encoding: .utf8)

        let memhound = try Memhound.start([
            "run", "--metrics", "127.0.0.1:\(port)", "--interval", "1", "--duration", "90", "--",
            leaker, "--steps", "12", "--step-mib", "4", "--step-ms", "250", "--then", "sleep",
        ])
        defer { memhound.signal(SIGKILL); _ = memhound.finish(timeout: 10) }
        let server = try Spawned(prometheus, [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn",
        ])
        defer { server.signal(SIGKILL); _ = server.finish(timeout: 10) }

        XCTAssertTrue(wait(30) { LocalHTTP.get(port: port, "/healthz")?.status == 200 },
                      "/healthz never answered 200: \(String(describing: LocalHTTP.get(port: port, "/healthz")))")

        let query = #"memhound_site_resident_bytes{job="memhound",site="grow_cache",module="leaker"}"#
        var value: Double?
        let seen = wait(60) {
            value = self.instantValue(port: prometheusPort, query)
            return value.map { abs($0 - self.leakBytes) <= 0.1 * self.leakBytes } ?? false
        }
        XCTAssertTrue(seen, "Prometheus's \(query) is \(value.map { String($0) } ?? "absent"), not within 10% of \(leakBytes)\n"
                      + "prometheus stderr: \(server.err.text.suffix(2000))")
        // The scrapes parsed (Prometheus asks for OpenMetrics first) and the series carry the target's identity.
        let targets = LocalHTTP.json(port: prometheusPort, "/api/v1/targets")
        let active = ((targets?["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]) ?? []
        XCTAssertEqual(active.first?["health"] as? String, "up", "\(active)")
        XCTAssertEqual(active.first?["lastError"] as? String, "", "\(active)")
        let pid = instantLabels(port: prometheusPort, query)?["pid"]
        XCTAssertNotNil(pid.flatMap(Int32.init), "pid label of \(query)")
        XCTAssertEqual(LocalHTTP.get(port: port, "/healthz")?.status, 200, "/healthz during the run")

        memhound.signal(SIGINT)
        let outcome = memhound.finish(timeout: 30)
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        let final = outcome.lines.last { $0["type"] as? String == "report" && $0["final"] as? Bool == true }
        XCTAssertEqual((final?["pid"] as? Int).map(String.init), pid, outcome.summary)
        server.signal(SIGTERM)
        XCTAssertFalse(server.finish(timeout: 30).timedOut, "prometheus did not stop on SIGTERM")
    }

    func testBadMetricsAddressIsUsageError() throws {
        for (command, value) in [(["run"], "127.0.0.1:70000"), (["attach", "--pid", "1"], "localhost"), (["demo"], "[::1]9464")] {
            let tail = command == ["run"] ? ["--", "/bin/true"] : []
            let outcome = try Memhound.run(command + ["--metrics", value] + tail, timeout: 30)
            assertCleanError(outcome, code: 64)
            XCTAssertTrue(outcome.stderr.contains("--metrics"), outcome.stderr)
            XCTAssertEqual(outcome.stdout, "", "nothing traced")
        }
    }

    /// Refused before tracing starts: no start line, no BPF loaded (so no privileges needed to see it).
    func testMetricsPortInUseIsOutputError() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        XCTAssertTrue(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let outcome = try Memhound.run(["run", "--metrics", "127.0.0.1:\(port)", "--", "/bin/true"], timeout: 30)
        assertCleanError(outcome, code: 9)
        XCTAssertEqual(outcome.stderr, "memhound: cannot listen on 127.0.0.1:\(port) for --metrics: address already in use\n")
        XCTAssertEqual(outcome.stdout, "", "nothing traced")
    }

    func testHelpNamesMetrics() throws {
        for command in ["attach", "run", "demo"] {
            let outcome = try Memhound.run([command, "--help"], timeout: 30)
            XCTAssertEqual(outcome.status, 0, outcome.summary)
            XCTAssertTrue(outcome.stdout.contains("--metrics <host:port>"), "\(command) --help:\n\(outcome.stdout)")
        }
    }

    /// The one sample of an instant query, or nil.
    private func instantValue(port: Int, _ query: String) -> Double? {
        guard let result = instantResult(port: port, query), result.count == 1,
              let pair = result[0]["value"] as? [Any], pair.count == 2, let text = pair[1] as? String else { return nil }
        return Double(text)
    }

    private func instantLabels(port: Int, _ query: String) -> [String: String]? {
        instantResult(port: port, query)?.first?["metric"] as? [String: String]
    }

    private func instantResult(port: Int, _ query: String) -> [[String: Any]]? {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "_-.")
        guard let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed),
              let json = LocalHTTP.json(port: port, "/api/v1/query?query=\(encoded)") else { return nil }
        return (json["data"] as? [String: Any])?["result"] as? [[String: Any]]
    }

    /// Polls `condition` every 250 ms for up to `seconds`.
    private func wait(_ seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(250_000)
        }
        return condition()
    }

    /// A program the test needs: missing skips on a developer's machine and fails under CI=true.
    private func requiredTool(_ name: String) throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        if let path = dirs.map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return path
        }
        let reason = "\(name) not found: run scripts/setup (apt-get install prometheus)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(reason)
            throw FixtureError(message: reason)
        }
        throw XCTSkip(reason)
    }
}

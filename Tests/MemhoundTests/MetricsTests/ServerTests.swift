import Foundation
import MemhoundAgent
@testable import MemhoundMetrics
import XCTest

/// The real server on 127.0.0.1: requests over a socket, and a port that is taken.
final class ServerTests: XCTestCase {
    /// A port the kernel picks and frees again (to find one nothing listens on).
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        XCTAssertTrue(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One HTTP/1.0 request; the whole response (the server closes after it).
    private func get(_ port: Int, _ path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }

    func testServesMetricsAndHealth() throws {
        let port = try freePort()
        let exporter = try MetricsExporter(endpoint: MetricsEndpoint(host: "127.0.0.1", port: port))
        defer { exporter.shutdown() }
        let before = try get(port, "/healthz")
        XCTAssertTrue(before.hasPrefix("HTTP/1.0 503"), before)
        XCTAssertTrue(before.hasSuffix("\r\n\r\ntracing has not started\n"), before)
        exporter.observer.observe(.start(MetricsFixtures.start()))
        XCTAssertTrue(try get(port, "/healthz").hasPrefix("HTTP/1.0 200"))
        let metrics = try get(port, "/metrics")
        XCTAssertTrue(metrics.hasPrefix("HTTP/1.0 200"), metrics)
        XCTAssertTrue(metrics.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), metrics)
        XCTAssertTrue(metrics.contains("\nmemhound_up 1.0\n"), metrics)
        XCTAssertTrue(metrics.contains("\nmemhound_cpu_seconds_total "), metrics)
        XCTAssertTrue(try get(port, "/nothing").hasPrefix("HTTP/1.0 404"))
    }

    func testPortInUseIsOneLineOutputError() throws {
        let port = try freePort()
        let first = try MetricsExporter(endpoint: MetricsEndpoint(host: "127.0.0.1", port: port))
        defer { first.shutdown() }
        XCTAssertThrowsError(try MetricsExporter(endpoint: MetricsEndpoint(host: "127.0.0.1", port: port))) { error in
            guard let error = error as? AgentError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .output)
            XCTAssertEqual(error.message, "cannot listen on 127.0.0.1:\(port) for --metrics: address already in use")
        }
    }

    func testUnresolvableHostIsOneLineOutputError() {
        XCTAssertThrowsError(try MetricsExporter(endpoint: MetricsEndpoint(host: "nosuchhost.invalid", port: 9464))) { error in
            guard let error = error as? AgentError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .output)
            XCTAssertTrue(error.message.hasPrefix("cannot listen on nosuchhost.invalid:9464 for --metrics: cannot resolve host"),
                          error.message)
            XCTAssertFalse(error.message.contains("\n"))
        }
    }
}

@testable import MemhoundMetrics
import XCTest

final class EndpointTests: XCTestCase {
    func testParsesHostAndPort() throws {
        XCTAssertEqual(try MetricsEndpoint(parsing: "127.0.0.1:9464"), MetricsEndpoint(host: "127.0.0.1", port: 9464))
        XCTAssertEqual(try MetricsEndpoint(parsing: "localhost:1"), MetricsEndpoint(host: "localhost", port: 1))
        XCTAssertEqual(try MetricsEndpoint(parsing: "[::1]:65535"), MetricsEndpoint(host: "::1", port: 65535))
        XCTAssertEqual(MetricsEndpoint(host: "::1", port: 80).description, "[::1]:80")
    }

    func testRejectsWhatIsNotHostColonPort() {
        let cases: [(String, String)] = [
            ("9464", "is not HOST:PORT"), (":9464", "has no valid host"), ("127.0.0.1:", "has no valid port"),
            ("127.0.0.1:0", "out of range"), ("127.0.0.1:65536", "out of range"), ("127.0.0.1:99999999999999999999", "out of range"),
            ("127.0.0.1:-1", "has no valid port"), ("127.0.0.1:94x", "has no valid port"), ("::1:9464", "[ADDRESS]:PORT"),
            ("[::1]9464", "[ADDRESS]:PORT"), ("a b:80", "has no valid host"), ("127.0.0.1:٣", "has no valid port"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try MetricsEndpoint(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(message), "\(text): \(error)")
                XCTAssertFalse("\(error)".contains("\n"), "one line")
            }
        }
    }
}

import MemhoundAgent
@testable import MemhoundMetrics
import NIOHTTP1
import XCTest

final class RoutesTests: XCTestCase {
    private let prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    private func routes() -> (MetricsRoutes, MetricsObserver) {
        let observer = MetricsObserver()
        return (MetricsRoutes(registry: observer.registry, health: observer.health, refresh: {}), observer)
    }

    func testContentNegotiation() {
        XCTAssertTrue(MetricsRoutes.prefersOpenMetrics(prometheusAccept))
        XCTAssertTrue(MetricsRoutes.prefersOpenMetrics("application/openmetrics-text; version=1.0.0"))
        XCTAssertFalse(MetricsRoutes.prefersOpenMetrics("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5"))
        XCTAssertFalse(MetricsRoutes.prefersOpenMetrics("application/openmetrics-text;q=0"))
        XCTAssertFalse(MetricsRoutes.prefersOpenMetrics(""))
        XCTAssertFalse(MetricsRoutes.prefersOpenMetrics("*/*"))
    }

    func testMetricsInEitherFormat() {
        let (routes, _) = routes()
        let plain = routes.respond(method: .GET, uri: "/metrics", accept: "")
        XCTAssertEqual(plain.status, .ok)
        XCTAssertEqual(plain.contentType, "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertTrue(plain.body.contains("# TYPE memhound_lost_total counter"))
        let open = routes.respond(method: .GET, uri: "/metrics?x=1", accept: prometheusAccept)
        XCTAssertEqual(open.contentType, "application/openmetrics-text; version=1.0.0; charset=utf-8")
        XCTAssertTrue(open.body.contains("# TYPE memhound_lost counter\n"))
        XCTAssertTrue(open.body.contains("\nmemhound_lost_total{kind=\"stacks\"} 0\n"))
        XCTAssertTrue(open.body.contains("# TYPE memhound_build info\n"))
        XCTAssertTrue(open.body.hasSuffix("\n# EOF\n"))
    }

    func testOpenMetricsRewrite() {
        let text = """
            # HELP a_total Things "quoted" and a \\\\ backslash.
            # TYPE a_total counter
            a_total{k="v"} 3
            # TYPE b_bytes gauge
            b_bytes 1.0
            # TYPE c_info gauge
            c_info{version="1"} 1.0

            """
        XCTAssertEqual(OpenMetricsText.convert(prometheusText: text), """
            # HELP a Things \\"quoted\\" and a \\\\ backslash.
            # TYPE a counter
            a_total{k="v"} 3
            # TYPE b_bytes gauge
            b_bytes 1.0
            # TYPE c info
            c_info{version="1"} 1.0
            # EOF

            """)
    }

    func testHealthz() {
        let (routes, observer) = routes()
        func health() -> (HTTPResponseStatus, String) {
            let r = routes.respond(method: .GET, uri: "/healthz", accept: "")
            return (r.status, r.body)
        }
        XCTAssertEqual(health().0, .serviceUnavailable, "before tracing started")
        observer.observe(.start(MetricsFixtures.start()))
        XCTAssertEqual(health().0, .ok, "tracing, before the first report")
        XCTAssertEqual(health().1, "ok\n")
        observer.observe(.health(SessionHealth(attached: true, fellBehind: true, reason: "12 records lost since the last report")))
        XCTAssertEqual(health().0, .serviceUnavailable)
        XCTAssertEqual(health().1, "12 records lost since the last report\n")
        observer.observe(.health(SessionHealth(attached: true, fellBehind: false, reason: nil)))
        XCTAssertEqual(health().0, .ok)
        observer.observe(.health(SessionHealth(attached: false, fellBehind: false, reason: "tracing has ended")))
        XCTAssertEqual(health().0, .serviceUnavailable)
        XCTAssertEqual(health().1, "tracing has ended\n")
    }

    func testOtherPathsAndMethods() {
        let (routes, _) = routes()
        XCTAssertEqual(routes.respond(method: .GET, uri: "/", accept: "").status, .notFound)
        XCTAssertEqual(routes.respond(method: .POST, uri: "/metrics", accept: "").status, .methodNotAllowed)
        XCTAssertEqual(routes.respond(method: .HEAD, uri: "/healthz", accept: "").status, .serviceUnavailable)
    }
}

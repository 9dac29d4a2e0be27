import Foundation
import NIOHTTP1
import Prometheus

/// What the endpoint answers, apart from HTTP plumbing (so it is tested without a socket).
struct MetricsRoutes: Sendable {
    struct Response: Equatable, Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: String
    }

    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    let health: HealthState
    /// Called before /metrics is rendered (memhound's own CPU and RSS).
    let refresh: @Sendable () -> Void

    func respond(method: HTTPMethod, uri: String, accept: String) -> Response {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        guard method == .GET || method == .HEAD else {
            return Response(status: .methodNotAllowed, contentType: "text/plain; charset=utf-8", body: "only GET and HEAD\n")
        }
        switch path {
        case "/metrics":
            refresh()
            let text = registry.emitToString()
            if Self.prefersOpenMetrics(accept) {
                return Response(status: .ok, contentType: OpenMetricsText.contentType,
                                body: OpenMetricsText.convert(prometheusText: text))
            }
            return Response(status: .ok, contentType: Self.prometheusContentType, body: text)
        case "/healthz":
            let answer = health.current
            return Response(status: answer.ok ? .ok : .serviceUnavailable, contentType: "text/plain; charset=utf-8",
                            body: answer.text + "\n")
        default:
            return Response(status: .notFound, contentType: "text/plain; charset=utf-8", body: "memhound serves /metrics and /healthz\n")
        }
    }

    /// Whether the Accept header ranks OpenMetrics text at least as high as the 0.0.4 text format.
    static func prefersOpenMetrics(_ accept: String) -> Bool {
        var openMetrics = 0.0
        var plain = 0.0
        for entry in accept.split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            switch type {
            case "application/openmetrics-text": openMetrics = max(openMetrics, q)
            case "text/plain", "text/*", "*/*": plain = max(plain, q)
            default: break
            }
        }
        return openMetrics > 0 && openMetrics >= plain
    }
}

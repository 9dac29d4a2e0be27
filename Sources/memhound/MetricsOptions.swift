import ArgumentParser
import MemhoundMetrics

/// `--metrics`, shared by attach, run (through TraceOptions) and demo.
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics at http://HOST:PORT/metrics and health at /healthz while tracing (docs/metrics.md); [ADDRESS]:PORT for IPv6.",
        valueName: "host:port"))
    var metrics: String?

    func validate() throws { _ = try endpoint() }

    func endpoint() throws -> MetricsEndpoint? {
        guard let metrics else { return nil }
        do { return try MetricsEndpoint(parsing: metrics) } catch {
            throw ValidationError("--metrics: \(error.description)")
        }
    }
}

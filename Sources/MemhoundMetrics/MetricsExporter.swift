import MemhoundAgent

/// `--metrics HOST:PORT`: the observer a session publishes to, and the server that exposes it.
public final class MetricsExporter {
    public let observer: MetricsObserver
    public let server: MetricsServer

    /// Listens on `endpoint` at once (before tracing starts); a port in use is an output error.
    public init(endpoint: MetricsEndpoint) throws(AgentError) {
        let observer = MetricsObserver()
        let usage = SelfUsage(registry: observer.registry)
        usage.refresh()
        let routes = MetricsRoutes(registry: observer.registry, health: observer.health, refresh: { usage.refresh() })
        do {
            server = try MetricsServer(endpoint: endpoint, routes: routes)
        } catch {
            throw AgentError(.output, error.description)
        }
        self.observer = observer
    }

    public func shutdown() { server.shutdown() }
}

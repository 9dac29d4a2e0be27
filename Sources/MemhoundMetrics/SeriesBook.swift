import Prometheus

/// Label pairs in the order they are written.
struct Labels: Hashable, Sendable {
    struct Pair: Hashable, Sendable {
        var name: String
        var value: String
    }

    var pairs: [Pair] = []

    init(_ pairs: [(String, String)] = []) { self.pairs = pairs.map { Pair(name: $0.0, value: $0.1) } }

    func adding(_ name: String, _ value: String) -> Labels {
        var copy = self
        copy.pairs.append(Pair(name: name, value: value))
        return copy
    }

    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    var tuples: [(String, String)] { pairs.map { ($0.name, $0.value) } }
}

struct SeriesKey: Hashable, Sendable {
    var family: MetricFamily
    var labels: Labels
}

/// The series memhound registered, so that a set of them (one process's, one process's sites) can be
/// replaced or removed as a whole: the registry alone cannot list what it holds. Used on the session
/// thread only; the registry and its gauges and counters are thread-safe for the scrapes.
final class SeriesBook {
    let registry: PrometheusCollectorRegistry
    private var gauges: [SeriesKey: Gauge] = [:]
    /// The registry's counters only add: each keeps the total it was last set to.
    private var counters: [SeriesKey: (counter: Counter, total: UInt64)] = [:]

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func set(_ family: MetricFamily, _ value: Double) { set(family, Labels(), value) }

    func setTotal(_ family: MetricFamily, _ total: UInt64) { setTotal(family, Labels(), total) }

    func set(_ family: MetricFamily, _ labels: Labels, _ value: Double) {
        let key = SeriesKey(family: family, labels: labels)
        if let gauge = gauges[key] { gauge.set(value); return }
        let gauge = labels.pairs.isEmpty
            ? registry.makeGauge(descriptor: family.descriptor)
            : registry.makeGauge(descriptor: family.descriptor, labels: labels.tuples)
        gauge.set(value)
        gauges[key] = gauge
    }

    /// Sets a counter to a total read from a line; a smaller total (never expected) is ignored.
    func setTotal(_ family: MetricFamily, _ labels: Labels, _ total: UInt64) {
        let key = SeriesKey(family: family, labels: labels)
        if let (counter, last) = counters[key] {
            guard total > last else { return }
            counter.increment(by: Int64(clamping: total - last))
            counters[key]?.total = total
            return
        }
        let counter = labels.pairs.isEmpty
            ? registry.makeCounter(descriptor: family.descriptor)
            : registry.makeCounter(descriptor: family.descriptor, labels: labels.tuples)
        counter.increment(by: Int64(clamping: total))
        counters[key] = (counter, total)
    }

    /// Unregisters every series whose key matches.
    func remove(where matches: (SeriesKey) -> Bool) {
        for (key, gauge) in gauges where matches(key) {
            registry.unregisterGauge(gauge)
            gauges[key] = nil
        }
        for (key, entry) in counters where matches(key) {
            registry.unregisterCounter(entry.counter)
            counters[key] = nil
        }
    }

    var keys: [SeriesKey] { Array(gauges.keys) + Array(counters.keys) }
}

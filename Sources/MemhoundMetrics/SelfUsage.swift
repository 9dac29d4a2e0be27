import Glibc
import MemhoundProc
import NIOConcurrencyHelpers
import Prometheus

/// memhound's own CPU time and resident memory, read when a scraper asks (so they are current, not as
/// old as the last report). CPU time comes from getrusage: ProcFS's stat parser does not read
/// utime/stime, and getrusage gives the same figures without parsing text. RSS comes from
/// /proc/self/status through ProcFS.
final class SelfUsage: Sendable {
    private let cpu: Counter
    private let rss: Gauge
    private let proc: ProcFS
    /// CPU seconds already added to the counter (scrapes may run concurrently).
    private let counted = NIOLockedValueBox(0.0)

    init(registry: PrometheusCollectorRegistry, proc: ProcFS = ProcFS()) {
        cpu = registry.makeCounter(descriptor: MetricFamily.cpuSeconds.descriptor)
        rss = registry.makeGauge(descriptor: MetricFamily.residentMemory.descriptor)
        self.proc = proc
    }

    func refresh() {
        var usage = rusage()
        if getrusage(RUSAGE_SELF.rawValue, &usage) == 0 {
            let seconds = Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)
            counted.withLockedValue { done in
                if seconds > done {
                    cpu.increment(by: seconds - done)
                    done = seconds
                }
            }
        }
        if let status = try? proc.status(pid: getpid()) { rss.set(Double(status.vmRSS)) }
    }

    private static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
}

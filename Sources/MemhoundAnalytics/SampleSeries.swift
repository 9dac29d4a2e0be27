/// A bounded time series of one quantity (a process's RSS, a site's bytes, a cgroup's
/// unreclaimable memory, a GC cycle counter). Appending is O(1) amortised and memory is bounded
/// by `layout.maxPoints`; see `SeriesLayout` for what is kept.
public struct SampleSeries: Sendable {
    public let layout: SeriesLayout
    private var troughs: Ring<Sample>
    private var recent: Ring<Sample>
    /// When the first sample arrived, kept across downsampling (warm-up is measured from it).
    public private(set) var startTime: Double?

    public init(layout: SeriesLayout = .standard) {
        self.layout = layout
        troughs = Ring(capacity: layout.troughCapacity)
        recent = Ring(capacity: layout.recentCapacity)
    }

    /// Points held now (troughs and recent samples).
    public var count: Int { troughs.count + recent.count }
    public var isEmpty: Bool { count == 0 }
    public var latest: Sample? { recent.last }
    /// The oldest point still held: how far back the series covers.
    public var oldest: Sample? { troughs.first ?? recent.first }

    /// Adds a sample. Samples not later than the latest one, and non-finite values, are ignored:
    /// a series is one clock's readings in order.
    public mutating func append(time: Double, value: Double) {
        guard time.isFinite, value.isFinite else { return }
        if let last = recent.last, time <= last.time { return }
        if startTime == nil { startTime = time }
        if let full = recent.append(Sample(time: time, value: value)) { fold(full) }
        while recent.count > layout.recentMinCount, let first = recent.first, first.time < time - layout.recentSpanS {
            fold(recent.removeFirst())
        }
        while let first = troughs.first, first.time < time - layout.historyS { _ = troughs.removeFirst() }
    }

    /// Forgets every sample (a counter that went backwards: the process started over).
    public mutating func removeAll() {
        troughs.removeAll()
        recent.removeAll()
        startTime = nil
    }

    /// The i-th point, oldest first.
    public subscript(index: Int) -> Sample {
        index < troughs.count ? troughs[index] : recent[index - troughs.count]
    }

    /// Points with time >= `from`, oldest first.
    public func points(from: Double) -> [Sample] {
        (firstIndex(atOrAfter: from)..<count).map { self[$0] }
    }

    /// The last `n` points (fewer when the series holds fewer), oldest first.
    public func last(_ n: Int) -> [Sample] {
        (max(0, count - n)..<count).map { self[$0] }
    }

    /// The latest point at or before `time`, if any.
    public func point(atOrBefore time: Double) -> Sample? {
        let i = firstIndex(atOrAfter: time)
        if i < count, self[i].time == time { return self[i] }
        return i > 0 ? self[i - 1] : nil
    }

    /// The lowest point in each of `buckets` equal buckets of [from, to], oldest first; empty
    /// buckets are left out. The point keeps its own time, so a fit sees where the trough was.
    public func bucketMinima(from: Double, to: Double, buckets: Int) -> [Sample] {
        guard buckets > 0, to > from else { return [] }
        let width = (to - from) / Double(buckets)
        var minima: [Sample] = []
        minima.reserveCapacity(buckets)
        var current = -1
        forEachPoint(from: firstIndex(atOrAfter: from)) { p in
            if p.time > to { return false }
            let bucket = min(buckets - 1, Int((p.time - from) / width))
            if bucket != current {
                minima.append(p)
                current = bucket
            } else if p.value < minima[minima.count - 1].value {
                minima[minima.count - 1] = p
            }
            return true
        }
        return minima
    }

    /// Visits points from index `start` on, oldest first, until `body` returns false.
    private func forEachPoint(from start: Int, _ body: (Sample) -> Bool) {
        var going = true
        if start < troughs.count {
            troughs.forEach(from: start) { going = body($0); return going }
        }
        if going { recent.forEach(from: max(0, start - troughs.count), body) }
    }

    /// Folds a sample leaving full resolution into its trough bucket, keeping the lower value
    /// (the earlier one on a tie: a counter's bucket keeps its first reading).
    private mutating func fold(_ sample: Sample) {
        let bucket = (sample.time / layout.troughBucketS).rounded(.down)
        if let last = troughs.last, (last.time / layout.troughBucketS).rounded(.down) == bucket {
            if sample.value < last.value { troughs[troughs.count - 1] = sample }
            return
        }
        troughs.append(sample)
    }

    /// Binary search over both tiers, which together are in time order.
    private func firstIndex(atOrAfter time: Double) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid].time < time { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Estimators that a few outliers (a GC drop, one odd reading) cannot drag.
enum RobustStatistics {
    /// The middle value (the mean of the two middle ones for an even count); nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Median absolute deviation from the median, scaled by 1.4826 so it estimates the standard
    /// deviation of normal noise.
    static func scaledMAD(_ values: [Double], around center: Double) -> Double {
        (median(values.map { abs($0 - center) }) ?? 0) * 1.4826
    }

    /// A Theil–Sen line: slope the median of all pairwise slopes, intercept the median of
    /// y - slope·x. `fit` is R² of that line (0 when the points are flat or it explains nothing).
    struct Line: Equatable {
        var slope: Double
        var intercept: Double
        var fit: Double
    }

    /// Needs at least 3 points with distinct times; times are taken relative to the first point
    /// so squares stay small.
    static func theilSen(_ points: [Sample]) -> Line? {
        guard points.count >= 3, let origin = points.first?.time else { return nil }
        let xs = points.map { $0.time - origin }
        let ys = points.map(\.value)
        var slopes: [Double] = []
        slopes.reserveCapacity(points.count * (points.count - 1) / 2)
        for i in 0..<xs.count {
            for j in (i + 1)..<xs.count where xs[j] != xs[i] {
                slopes.append((ys[j] - ys[i]) / (xs[j] - xs[i]))
            }
        }
        guard let slope = median(slopes), let offset = median(zip(xs, ys).map { $1 - slope * $0 }) else { return nil }
        let mean = ys.reduce(0, +) / Double(ys.count)
        let total = ys.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let residual = zip(xs, ys).reduce(0) { sum, p in
            let r = p.1 - (offset + slope * p.0)
            return sum + r * r
        }
        let fit = total > 0 ? max(0, 1 - residual / total) : 0
        return Line(slope: slope, intercept: offset - slope * origin, fit: fit)
    }
}

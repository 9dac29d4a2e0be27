import Foundation
import MemhoundAnalytics

let mib = 1_048_576.0

/// SplitMix64: a seeded generator, so every synthetic series is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Normal noise (Box–Muller).
    mutating func gaussian(sigma: Double) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// A Go-like heap: from `base` (plus `trendPerHour`·t) it grows by `amplitude` over each
/// `period`, then the GC drops it back to the trough.
func sawtooth(at t: Double, base: Double, amplitude: Double, period: Double, trendPerHour: Double = 0) -> Double {
    let phase = t.truncatingRemainder(dividingBy: period) / period
    return base + trendPerHour * t / 3_600 + amplitude * phase
}

/// Samples `value(t)` every `interval` seconds for `duration`, with normal noise of `sigma`.
func series(duration: Double, interval: Double = 10, sigma: Double = 0, seed: UInt64 = 1,
            layout: SeriesLayout = .standard, _ value: (Double) -> Double) -> SampleSeries {
    var s = SampleSeries(layout: layout)
    var rng = SeededGenerator(seed: seed)
    var t = 0.0
    while t <= duration {
        s.append(time: t, value: value(t) + (sigma > 0 ? rng.gaussian(sigma: sigma) : 0))
        t += interval
    }
    return s
}

import Foundation

/// Seconds since the epoch of a line's `time` ("2026-11-21T19:40:39.389Z", docs/output-schema.md), parsed
/// by hand: a formatter costs more than the rest of reading a line. nil when it is not in that form.
func epochSeconds(_ time: String) -> Double? {
    let b = Array(time.utf8)
    guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A else { return nil }
    func number(_ from: Int, _ count: Int) -> Int? {
        var n = 0
        for i in from..<(from + count) {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            n = n * 10 + Int(b[i] - 0x30)
        }
        return n
    }
    guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
          let minute = number(14, 2), let second = number(17, 2) else { return nil }
    var fraction = 0.0
    var i = 19
    if b[i] == 0x2E {
        var scale = 0.1
        i += 1
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
            fraction += Double(b[i] - 0x30) * scale
            scale /= 10
            i += 1
        }
    }
    guard i == b.count - 1, b[i] == 0x5A else { return nil }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    return Double(timegm(&parts)) + fraction
}

/// Punycode (RFC 3492) as Rust's v0 mangling uses it for non-ASCII
/// identifiers: `_` instead of `-` before the encoded deltas. rustc writes
/// the digits 0-9 as they are; RFC 2603 maps them to A-J: both are read.
enum RustPunycode {
    static let maxScalars = 256

    static func decode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let split = bytes.lastIndex(of: UInt8(ascii: "_"))
        var output: [UInt32] = split.map { bytes[..<$0].map(UInt32.init) } ?? []
        var position = split.map { $0 + 1 } ?? 0
        var (n, i, bias): (UInt32, UInt32, UInt32) = (128, 0, 72)
        while position < bytes.count {
            let old = i
            var (weight, k): (UInt32, UInt32) = (1, 36)
            while true {
                guard position < bytes.count, let digit = digit(bytes[position]) else { return nil }
                position += 1
                let (step, o1) = digit.multipliedReportingOverflow(by: weight)
                let (sum, o2) = i.addingReportingOverflow(step)
                guard !o1, !o2 else { return nil }
                i = sum
                let t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias
                if digit < t { break }
                let (w, o3) = weight.multipliedReportingOverflow(by: 36 - t)
                guard !o3 else { return nil }
                (weight, k) = (w, k + 36)
            }
            let length = UInt32(output.count + 1)
            bias = adapt(i - old, length, first: old == 0)
            let (code, o4) = n.addingReportingOverflow(i / length)
            guard !o4, output.count < maxScalars, Unicode.Scalar(code) != nil else { return nil }
            n = code
            i %= length
            output.insert(n, at: Int(i))
            i += 1
        }
        let scalars = output.compactMap(Unicode.Scalar.init)
        return String(String.UnicodeScalarView(scalars))
    }

    private static func digit(_ c: UInt8) -> UInt32? {
        switch c {
        case 97...122: return UInt32(c - 97)
        case 48...57: return UInt32(c - 48) + 26
        case 65...74: return UInt32(c - 65) + 26
        default: return nil
        }
    }

    private static func adapt(_ delta: UInt32, _ points: UInt32, first: Bool) -> UInt32 {
        var delta = first ? delta / 700 : delta / 2
        delta += delta / points
        var k: UInt32 = 0
        while delta > 455 {  // ((36 - 1) * 26) / 2
            delta /= 35
            k += 36
        }
        return k + 36 * delta / (delta + 38)
    }
}

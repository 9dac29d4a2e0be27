/// Rust names in the v0 scheme (RFC 2603: `_R` <path> [<instantiating-crate>]
/// [vendor suffix]), printed like rustc-demangle's alternate form: without
/// crate disambiguators or const type suffixes.
enum RustV0Demangler {
    static func demangle(_ symbol: String) -> String? {
        var bytes = Array(symbol.utf8)
        guard bytes.starts(with: Array("_R".utf8)) else { return nil }
        bytes.removeFirst(2)
        // A leading decimal is an encoding version; only the unversioned one exists.
        guard let first = bytes.first, (65...90).contains(first) else { return nil }
        // Vendor suffixes (".llvm.123") start with a byte the grammar never uses.
        if let suffix = bytes.firstIndex(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "$") }) {
            bytes.removeSubrange(suffix...)
        }
        var printer = RustV0Printer(input: bytes)
        do {
            try printer.printPath(inValue: true)
            if let next = printer.peek(), (65...90).contains(next) {
                try printer.skipping { try $0.printPath(inValue: false) }  // the instantiating crate
            }
            guard printer.atEnd else { return nil }
        } catch {
            return nil
        }
        return printer.output
    }
}

/// Parser and printer state for one v0 symbol. Every failure throws; depth,
/// steps and output are capped, and backreferences must point backwards, so
/// hostile input ends quickly.
struct RustV0Printer {
    struct Invalid: Error {}

    static let maxDepth = 100
    static let maxSteps = 100_000
    static let maxOutput = 16 * 1024

    let input: [UInt8]
    var position = 0
    private(set) var output = ""
    private var outputBytes = 0
    /// False while parsing parts that are not printed (impl paths, instantiating crate).
    var printing = true
    private var depth = 0
    private var steps = 0
    /// Lifetimes bound by enclosing `for<...>` binders.
    var boundLifetimes = 0

    init(input: [UInt8]) { self.input = input }

    var atEnd: Bool { position == input.count }

    func peek() -> UInt8? { position < input.count ? input[position] : nil }

    mutating func next() throws -> UInt8 {
        guard let byte = peek() else { throw Invalid() }
        position += 1
        return byte
    }

    mutating func eat(_ ascii: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: ascii) else { return false }
        position += 1
        return true
    }

    mutating func print(_ text: String) throws {
        guard printing else { return }
        outputBytes += text.utf8.count
        guard outputBytes <= Self.maxOutput else { throw Invalid() }
        output += text
    }

    /// Runs one level of the grammar, within the depth and step budgets.
    mutating func nested(_ body: (inout RustV0Printer) throws -> Void) throws {
        depth += 1
        steps += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth, steps <= Self.maxSteps else { throw Invalid() }
        try body(&self)
    }

    mutating func skipping(_ body: (inout RustV0Printer) throws -> Void) throws {
        let was = printing
        printing = false
        defer { printing = was }
        try body(&self)
    }

    /// `B` <base-62-number>: re-reads an earlier part of the symbol. Not followed
    /// while skipping, since nothing would be printed.
    mutating func backref(_ body: (inout RustV0Printer) throws -> Void) throws {
        let start = position - 1
        let target = try base62()
        guard target < UInt64(start) else { throw Invalid() }
        guard printing else { return }
        let resume = position
        position = Int(target)
        try nested(body)
        position = resume
    }

    /// `_` is 0; otherwise base-62 digits then `_`, meaning the value + 1.
    mutating func base62() throws -> UInt64 {
        if eat("_") { return 0 }
        var value: UInt64 = 0
        while true {
            let c = try next()
            let digit: UInt64
            switch c {
            case UInt8(ascii: "_"):
                let (result, overflow) = value.addingReportingOverflow(1)
                guard !overflow else { throw Invalid() }
                return result
            case 48...57: digit = UInt64(c - 48)
            case 97...122: digit = UInt64(c - 97) + 10
            case 65...90: digit = UInt64(c - 65) + 36
            default: throw Invalid()
            }
            let (times, o1) = value.multipliedReportingOverflow(by: 62)
            let (sum, o2) = times.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw Invalid() }
            value = sum
        }
    }

    /// `tag` <base-62-number> when present (its value + 1), else 0.
    mutating func optionalBase62(_ tag: Unicode.Scalar) throws -> UInt64 {
        guard eat(tag) else { return 0 }
        let (value, overflow) = try base62().addingReportingOverflow(1)
        guard !overflow else { throw Invalid() }
        return value
    }

    mutating func disambiguator() throws -> UInt64 { try optionalBase62("s") }

    /// `0` or a decimal without leading zeros.
    mutating func decimal() throws -> Int {
        let first = try next()
        guard (48...57).contains(first) else { throw Invalid() }
        var value = Int(first - 48)
        if value == 0 { return 0 }
        while let c = peek(), (48...57).contains(c) {
            position += 1
            value = value * 10 + Int(c - 48)
            guard value <= input.count else { throw Invalid() }
        }
        return value
    }

    /// [`u`] <decimal> [`_`] <bytes>; `u` marks Punycode.
    mutating func identifier() throws -> (text: String, punycode: Bool) {
        let punycode = eat("u")
        let length = try decimal()
        _ = eat("_")
        guard length <= input.count - position else { throw Invalid() }
        let bytes = input[position..<position + length]
        position += length
        return (String(decoding: bytes, as: UTF8.self), punycode)
    }

    mutating func printIdentifier(_ id: (text: String, punycode: Bool)) throws {
        guard id.punycode else { return try print(id.text) }
        try print(RustPunycode.decode(id.text) ?? "punycode{\(id.text)}")
    }
}

/// Rust's legacy names: an Itanium nested name `_ZN` <len><ident>... `E` whose
/// last element is the hash `h` + 16 hex digits, with `$..$` escapes and `..`
/// for `::` inside identifiers. Printed as rustc-demangle's alternate form
/// (without the hash).
enum RustLegacyDemangler {
    static func demangle(_ symbol: String) -> String? {
        let bytes = Array(symbol.utf8)
        guard bytes.starts(with: Array("_ZN".utf8)) else { return nil }
        var position = 3
        var elements: [[UInt8]] = []
        while position < bytes.count, bytes[position] != UInt8(ascii: "E") {
            guard let length = decimal(bytes, &position), length > 0,
                  length <= bytes.count - position else { return nil }
            elements.append(Array(bytes[position..<position + length]))
            position += length
        }
        // After `E` only a compiler suffix (".llvm.123") may follow.
        guard position < bytes.count, position + 1 == bytes.count || bytes[position + 1] == UInt8(ascii: "."),
              elements.count >= 2, let hash = elements.last, isHash(hash) else { return nil }
        return elements.dropLast().map { unescape(String(decoding: $0, as: UTF8.self)) }.joined(separator: "::")
    }

    private static func decimal(_ bytes: [UInt8], _ position: inout Int) -> Int? {
        var value = 0, digits = 0
        while position < bytes.count, (48...57).contains(bytes[position]) {
            guard digits < 6 else { return nil }  // no identifier is a megabyte long
            value = value * 10 + Int(bytes[position] - 48)
            digits += 1
            position += 1
        }
        return digits > 0 ? value : nil
    }

    private static func isHash(_ element: [UInt8]) -> Bool {
        element.count == 17 && element[0] == UInt8(ascii: "h")
            && element.dropFirst().allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    private static let escapes: [Substring: String] = [
        "SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ",",
    ]

    /// Decodes one element, as rustc-demangle does: `..` is `::`, `$LT$` is `<`,
    /// `$u7e$` is `~`; an unknown escape leaves the rest as it is.
    static func unescape(_ element: String) -> String {
        var rest = Substring(element)
        if rest.hasPrefix("_$") { rest = rest.dropFirst() }
        var out = ""
        while let first = rest.first {
            if first == "." {
                let double = rest.dropFirst().first == "."
                out += double ? "::" : "."
                rest = rest.dropFirst(double ? 2 : 1)
            } else if first == "$" {
                guard let end = rest.dropFirst().firstIndex(of: "$") else { break }
                let escape = rest[rest.index(after: rest.startIndex)..<end]
                guard let text = escapes[escape] ?? unicode(escape) else { break }
                out += text
                rest = rest[rest.index(after: end)...]
            } else {
                let run = rest.prefix { $0 != "$" && $0 != "." }
                out += run
                rest = rest.dropFirst(run.count)
            }
        }
        return out + rest
    }

    /// `u` + lowercase hex naming a printable character.
    private static func unicode(_ escape: Substring) -> String? {
        guard escape.first == "u", escape.count > 1, escape.count <= 7,
              escape.dropFirst().allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
              let value = UInt32(escape.dropFirst(), radix: 16), let scalar = Unicode.Scalar(value),
              !scalar.properties.generalCategory.isControl else { return nil }
        return String(Character(scalar))
    }
}

private extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control }
}

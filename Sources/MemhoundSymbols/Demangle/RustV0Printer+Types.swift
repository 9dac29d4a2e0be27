/// Function pointers, trait objects, lifetimes and consts of the v0 grammar.
extension RustV0Printer {
    /// [`U`] [`K` <abi>] {<type>} `E` <type>, after its binder.
    mutating func printFunctionSignature() throws {
        let isUnsafe = eat("U")
        var abi: String?
        if eat("K") {
            if eat("C") {
                abi = "C"
            } else {
                let id = try identifier()
                guard !id.text.isEmpty, !id.punycode else { throw Invalid() }
                abi = String(id.text.map { $0 == "_" ? "-" : $0 })  // `-` is mangled as `_`
            }
        }
        if isUnsafe { try print("unsafe ") }
        if let abi { try print("extern \"\(abi)\" ") }
        try print("fn(")
        try list(", ") { try $0.printType() }
        try print(")")
        if !eat("u") {  // a `()` return is not printed
            try print(" -> ")
            try printType()
        }
    }

    /// `D` <dyn-bounds> <lifetime>: `dyn Trait<Assoc = T> + Send + 'a`.
    mutating func printDyn() throws {
        try print("dyn ")
        try binder { try $0.list(" + ") { try $0.printDynTrait() } }
        guard eat("L") else { throw Invalid() }
        let lifetime = try base62()
        if lifetime != 0 {
            try print(" + ")
            try printLifetime(lifetime)
        }
    }

    private mutating func printDynTrait() throws {
        var open = try printPathMaybeOpenGenerics()
        while eat("p") {
            try print(open ? ", " : "<")
            open = true
            try print(try identifier().text)
            try print(" = ")
            try printType()
        }
        if open { try print(">") }
    }

    /// A trait path whose generic list stays open for associated-type bindings.
    private mutating func printPathMaybeOpenGenerics() throws -> Bool {
        if eat("B") {
            var open = false
            try backref { open = try $0.printPathMaybeOpenGenerics() }
            return open
        }
        if eat("I") {
            try printPath(inValue: false)
            try print("<")
            try list(", ") { try $0.printGenericArgument() }
            return true
        }
        try printPath(inValue: false)
        return false
    }

    /// [`G` <base-62-number>]: `for<'a, 'b> ` around `body`.
    mutating func binder(_ body: (inout RustV0Printer) throws -> Void) throws {
        let count = try optionalBase62("G")
        guard printing else { return try body(&self) }
        guard count <= 1000 else { throw Invalid() }
        if count > 0 {
            try print("for<")
            for i in 0..<Int(count) {
                if i > 0 { try print(", ") }
                boundLifetimes += 1
                try printLifetime(1)
            }
            try print("> ")
        }
        defer { boundLifetimes -= Int(count) }
        try body(&self)
    }

    /// Lifetime 0 is `'_`; others count back through the enclosing binders.
    mutating func printLifetime(_ index: UInt64) throws {
        guard printing else { return }
        guard index != 0 else { return try print("'_") }
        guard index <= UInt64(boundLifetimes) else { throw Invalid() }
        let depth = boundLifetimes - Int(index)
        try print(depth < 26 ? "'" + String(UnicodeScalar(UInt8(97 + depth))) : "'_\(depth)")
    }

    /// Integer, bool and char constants, `_` for a placeholder, or a backreference.
    mutating func printConst() throws {
        try nested { p in
            if p.eat("B") { return try p.backref { try $0.printConst() } }
            let tag = try p.next()
            switch tag {
            case UInt8(ascii: "p"): try p.print("_")
            case UInt8(ascii: "h"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "y"), UInt8(ascii: "o"), UInt8(ascii: "j"):
                try p.print(try p.constInteger())
            case UInt8(ascii: "a"), UInt8(ascii: "s"), UInt8(ascii: "l"), UInt8(ascii: "x"), UInt8(ascii: "n"), UInt8(ascii: "i"):
                let negative = p.eat("n")
                try p.print((negative ? "-" : "") + (try p.constInteger()))
            case UInt8(ascii: "b"):
                let value = try p.hexNibbles()
                guard value == "0" || value == "1" else { throw Invalid() }
                try p.print(value == "1" ? "true" : "false")
            case UInt8(ascii: "c"):
                guard let value = UInt32(try p.hexNibbles(), radix: 16), let scalar = UnicodeScalar(value) else { throw Invalid() }
                try p.print(Self.charLiteral(scalar))
            default: throw Invalid()  // str, references, arrays, tuples, ADTs: not printed
            }
        }
    }

    /// Hex digits up to `_`, leading zeros dropped ("0" for none).
    private mutating func hexNibbles() throws -> String {
        var digits = ""
        while true {
            let c = try next()
            if c == UInt8(ascii: "_") { break }
            guard (48...57).contains(c) || (97...102).contains(c), digits.count < 64 else { throw Invalid() }
            if !(digits.isEmpty && c == 48) { digits.append(Character(UnicodeScalar(c))) }
        }
        return digits.isEmpty ? "0" : digits
    }

    private mutating func constInteger() throws -> String {
        let hex = try hexNibbles()
        return hex.count <= 16 ? UInt64(hex, radix: 16).map(String.init) ?? hex : "0x" + hex
    }

    static func charLiteral(_ scalar: UnicodeScalar) -> String {
        switch scalar {
        case "'": return "'\\''"
        case "\\": return "'\\\\'"
        case "\n": return "'\\n'"
        case "\r": return "'\\r'"
        case "\t": return "'\\t'"
        default:
            if scalar.properties.generalCategory == .control { return "'\\u{\(String(scalar.value, radix: 16))}'" }
            return "'\(Character(scalar))'"
        }
    }
}

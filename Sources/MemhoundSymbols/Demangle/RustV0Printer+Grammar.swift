/// The v0 grammar (RFC 2603, with rustc's later const forms for integers,
/// bool and char), printed as rustc-demangle prints it.
extension RustV0Printer {
    static let basicTypes: [UInt8: String] = [
        UInt8(ascii: "a"): "i8", UInt8(ascii: "b"): "bool", UInt8(ascii: "c"): "char", UInt8(ascii: "d"): "f64",
        UInt8(ascii: "e"): "str", UInt8(ascii: "f"): "f32", UInt8(ascii: "h"): "u8", UInt8(ascii: "i"): "isize",
        UInt8(ascii: "j"): "usize", UInt8(ascii: "l"): "i32", UInt8(ascii: "m"): "u32", UInt8(ascii: "n"): "i128",
        UInt8(ascii: "o"): "u128", UInt8(ascii: "s"): "i16", UInt8(ascii: "t"): "u16", UInt8(ascii: "u"): "()",
        UInt8(ascii: "v"): "...", UInt8(ascii: "x"): "i64", UInt8(ascii: "y"): "u64", UInt8(ascii: "z"): "!",
        UInt8(ascii: "p"): "_",
    ]

    mutating func printPath(inValue: Bool) throws {
        try nested { p in
            switch try p.next() {
            case UInt8(ascii: "C"):
                _ = try p.disambiguator()
                try p.printIdentifier(try p.identifier())
            case UInt8(ascii: "N"): try p.printNested(inValue: inValue)
            case let tag where tag == UInt8(ascii: "M") || tag == UInt8(ascii: "X") || tag == UInt8(ascii: "Y"):
                try p.printImpl(tag)
            case UInt8(ascii: "I"):
                try p.printPath(inValue: inValue)
                if inValue { try p.print("::") }
                try p.print("<")
                try p.list(", ") { try $0.printGenericArgument() }
                try p.print(">")
            case UInt8(ascii: "B"): try p.backref { try $0.printPath(inValue: inValue) }
            default: throw Invalid()
            }
        }
    }

    /// `N` <namespace> <path> <identifier>: upper-case namespaces are special
    /// (`{closure#0}`, `{shim:vtable#0}`), lower-case ones plain `::name`.
    private mutating func printNested(inValue: Bool) throws {
        let namespace = try next()
        guard (65...90).contains(namespace) || (97...122).contains(namespace) else { throw Invalid() }
        try printPath(inValue: inValue)
        let index = try disambiguator()
        let name = try identifier()
        if (65...90).contains(namespace) {
            let kind = namespace == UInt8(ascii: "C") ? "closure"
                : namespace == UInt8(ascii: "S") ? "shim" : String(UnicodeScalar(namespace))
            try print("::{" + kind)
            if !name.text.isEmpty { try print(":"); try printIdentifier(name) }
            try print("#\(index)}")
        } else if !name.text.isEmpty {
            try print("::")
            try printIdentifier(name)
        }
    }

    /// `M` (inherent impl `<T>`), `X` (trait impl `<T as Trait>`), `Y` (`<T as Trait>`).
    private mutating func printImpl(_ tag: UInt8) throws {
        if tag != UInt8(ascii: "Y") {
            _ = try disambiguator()
            try skipping { try $0.printPath(inValue: false) }
        }
        try print("<")
        try printType()
        if tag != UInt8(ascii: "M") {
            try print(" as ")
            try printPath(inValue: false)
        }
        try print(">")
    }

    /// Items until `E`, separated; returns how many.
    @discardableResult
    mutating func list(_ separator: String, _ item: (inout RustV0Printer) throws -> Void) throws -> Int {
        var count = 0
        while !eat("E") {
            if count > 0 { try print(separator) }
            try item(&self)
            count += 1
        }
        return count
    }

    mutating func printGenericArgument() throws {
        if eat("L") {
            try printLifetime(try base62())
        } else if eat("K") {
            try printConst()
        } else {
            try printType()
        }
    }

    mutating func printType() throws {
        try nested { p in
            let tag = try p.next()
            if let basic = Self.basicTypes[tag] { return try p.print(basic) }
            switch tag {
            case UInt8(ascii: "R"), UInt8(ascii: "Q"):
                try p.print("&")
                if p.eat("L") {
                    let lifetime = try p.base62()
                    if lifetime != 0 { try p.printLifetime(lifetime); try p.print(" ") }
                }
                if tag == UInt8(ascii: "Q") { try p.print("mut ") }
                try p.printType()
            case UInt8(ascii: "P"): try p.print("*const "); try p.printType()
            case UInt8(ascii: "O"): try p.print("*mut "); try p.printType()
            case UInt8(ascii: "A"), UInt8(ascii: "S"):
                try p.print("[")
                try p.printType()
                if tag == UInt8(ascii: "A") { try p.print("; "); try p.printConst() }
                try p.print("]")
            case UInt8(ascii: "T"):
                try p.print("(")
                if try p.list(", ", { try $0.printType() }) == 1 { try p.print(",") }
                try p.print(")")
            case UInt8(ascii: "F"): try p.binder { try $0.printFunctionSignature() }
            case UInt8(ascii: "D"): try p.printDyn()
            case UInt8(ascii: "B"): try p.backref { try $0.printType() }
            default:
                p.position -= 1
                try p.printPath(inValue: false)
            }
        }
    }
}

import Glibc

/// The Swift runtime's demangler (libswiftCore exports it; it is not in a header).
@_silgen_name("swift_demangle")
private func swiftDemangle(_ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int,
                           _ outputBuffer: UnsafeMutablePointer<CChar>?, _ outputBufferSize: UnsafeMutablePointer<Int>?,
                           _ flags: UInt32) -> UnsafeMutablePointer<CChar>?

/// Swift names: `$s` (Swift 5+), `$S` (4.2), `_T0` (4.0), with or without the
/// leading underscore Darwin adds, and `$e` (Embedded Swift).
enum SwiftDemangler {
    static let prefixes = ["$s", "_$s", "$S", "_$S", "$e", "_$e", "_T0"]

    static func demangle(_ name: String) -> String? {
        guard prefixes.contains(where: name.hasPrefix) else { return nil }
        return name.withCString { mangled -> String? in
            guard let out = swiftDemangle(mangled, strlen(mangled), nil, nil, 0) else { return nil }
            defer { free(out) }
            let text = String(cString: out)
            return text.isEmpty || text == name ? nil : text
        }
    }
}

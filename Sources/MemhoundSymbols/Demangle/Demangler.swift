/// Turns mangled symbol names into readable ones: C++ (Itanium, `_Z`), Rust
/// (legacy `_ZN...17h<hash>E` and v0 `_R`) and Swift (`$s`, `_$s`, `$S`, `_T0`).
/// Names come from binaries in traced containers, so every demangler here is
/// bounded in input length, recursion depth, work and output.
public enum Demangler {
    /// Longer names are left mangled: no real call site needs more, and it
    /// bounds the work libstdc++ and the Swift runtime do on hostile input.
    public static let maxMangledLength = 4096

    /// The demangled name, or nil when `name` is not mangled or cannot be demangled.
    public static func demangle(_ name: String) -> String? {
        let utf8 = name.utf8
        guard utf8.count <= maxMangledLength, !utf8.contains(0) else { return nil }
        if name.hasPrefix("_R") { return RustV0Demangler.demangle(name) }
        if name.hasPrefix("_Z") {
            // Rust's legacy names are Itanium-shaped; only a trailing hash tells them apart.
            return RustLegacyDemangler.demangle(name) ?? CxxDemangler.demangle(name)
        }
        return SwiftDemangler.demangle(name)
    }
}

import CMemhoundELF

/// C++ (Itanium ABI) names through libstdc++'s __cxa_demangle.
enum CxxDemangler {
    /// Room for the demangled text; longer results are left mangled.
    static let capacity = 16 * 1024

    static func demangle(_ name: String) -> String? {
        guard name.hasPrefix("_Z") else { return nil }
        var buffer = [CChar](repeating: 0, count: capacity)
        let n = buffer.withUnsafeMutableBufferPointer { memhound_demangle_cxx(name, $0.baseAddress, capacity) }
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Glibc

/// The Swift runtime's demangler (libswiftCore exports it; it is not in a header).
@_silgen_name("swift_demangle")
private func swiftDemangle(_ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int,
                           _ outputBuffer: UnsafeMutablePointer<CChar>?, _ outputBufferSize: UnsafeMutablePointer<Int>?,
                           _ flags: UInt32) -> UnsafeMutablePointer<CChar>?

/// Swift names: `$s` (Swift 5+), `$S` (4.2), `_T0` (4.0), with or without the
/// leading underscore Darwin adds, and `$e` (Embedded Swift).
///
/// The runtime's demangler aborts the whole process on some malformed names
/// (scripts/fuzz found `$sRv_`: "should be printed as a child of a
/// DependentGenericSignature"), and a traced binary chooses its symbol names.
/// So each distinct name is demangled in a forked child, which dies instead of
/// memhound; results are cached. No other demangler here can abort.
enum SwiftDemangler {
    static let prefixes = ["$s", "_$s", "$S", "_$S", "$e", "_$e", "_T0"]
    /// Names remembered (demangled or not); past this the cache starts over.
    static let cacheLimit = 1 << 16

    static func demangle(_ name: String) -> String? {
        guard prefixes.contains(where: name.hasPrefix) else { return nil }
        return cache.lookup(name) { demangleInChild($0) }
    }

    /// Only in a process that can afford to die (the forked child).
    private static func demangleHere(_ name: String) -> String? {
        name.withCString { mangled -> String? in
            guard let out = swiftDemangle(mangled, strlen(mangled), nil, nil, 0) else { return nil }
            defer { free(out) }
            let text = String(cString: out)
            return text.isEmpty || text == name ? nil : text
        }
    }

    private static func demangleInChild(_ name: String) -> String? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        let child = fork()
        if child == 0 {
            close(fds[0])
            // Die quietly: no crash report from the runtime's backtracer on memhound's stderr.
            signal(SIGABRT, SIG_DFL)
            signal(SIGSEGV, SIG_DFL)
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, STDERR_FILENO) }
            var bytes = Array((demangleHere(name) ?? "").utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(fds[1], $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break }
                offset += n
            }
            bytes.removeAll()
            _exit(0)
        }
        close(fds[1])
        guard child > 0 else {
            close(fds[0])
            return nil
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while output.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        // Exited normally (status 0): the name was safe to demangle; a signal means it was not.
        guard status == 0, !output.isEmpty else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    private static let cache = NameCache()
}

/// Demangled names by mangled name, shared by every symbolizer; thread-safe.
private final class NameCache: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var names: [String: String?] = [:]

    init() { pthread_mutex_init(&mutex, nil) }

    func lookup(_ name: String, _ compute: (String) -> String?) -> String? {
        pthread_mutex_lock(&mutex)
        if let known = names[name] {
            pthread_mutex_unlock(&mutex)
            return known
        }
        pthread_mutex_unlock(&mutex)
        let result = compute(name)
        pthread_mutex_lock(&mutex)
        if names.count >= SwiftDemangler.cacheLimit { names.removeAll(keepingCapacity: true) }
        names[name] = .some(result)
        pthread_mutex_unlock(&mutex)
        return result
    }
}

import MemhoundOutput

extension Frame {
    /// The name profiles show: the function, else where the code is ("libfoo.so+0x1a2b"), so an
    /// unsymbolized frame still splits stacks the way the report's frames do.
    var profileName: String {
        if let function, !function.isEmpty { return function }
        let base = module.split(separator: "/").last.map(String.init) ?? module
        return "\(base)+\(offset)"
    }

    var runtimeAddress: UInt64 { Self.hex(address) }
    var linkTimeAddress: UInt64 { Self.hex(offset) }

    private static func hex(_ text: String) -> UInt64 {
        UInt64(text.hasPrefix("0x") ? text.dropFirst(2) : Substring(text), radix: 16) ?? 0
    }
}

extension SiteEntry {
    /// Frames grouped into the code locations they stand for, leaf first: the functions inlined at
    /// an address come before the frame they were inlined into, and belong to its location.
    var locations: [[Frame]] {
        var result: [[Frame]] = []
        var pending: [Frame] = []
        for frame in frames {
            pending.append(frame)
            if !frame.inlined {
                result.append(pending)
                pending = []
            }
        }
        if !pending.isEmpty { result.append(pending) }
        return result
    }
}

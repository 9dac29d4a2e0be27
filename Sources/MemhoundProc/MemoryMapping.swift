/// One line of /proc/PID/maps.
public struct MemoryMapping: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    /// e.g. "r-xp"
    public var perms: String
    public var offset: UInt64
    /// major:minor in hex, e.g. "fd:01"
    public var device: String
    public var inode: UInt64
    /// Raw text after the inode column, leading spaces removed: "", "[heap]",
    /// "/usr/lib/x.so", "/tmp/a b.so (deleted)". Paths may contain spaces.
    public var path: String

    public init(start: UInt64, end: UInt64, perms: String, offset: UInt64,
                device: String, inode: UInt64, path: String) {
        self.start = start
        self.end = end
        self.perms = perms
        self.offset = offset
        self.device = device
        self.inode = inode
        self.path = path
    }

    public var size: UInt64 { end &- start }

    public var isExecutable: Bool {
        let utf8 = perms.utf8
        return utf8.count >= 3 && utf8[utf8.index(utf8.startIndex, offsetBy: 2)] == UInt8(ascii: "x")
    }

    /// No backing file: heap, stack, vdso, plain anonymous memory.
    public var isAnonymous: Bool { inode == 0 && !path.hasPrefix("/") }

    /// The backing file was unlinked (or replaced, e.g. by a package upgrade).
    public var isDeleted: Bool { path.hasSuffix(MemoryMapping.deletedSuffix) }

    /// The backing file path as the process mapped it: without " (deleted)", and with
    /// the kernel's escape of a newline ("\\012" in maps) undone; nil for non-file mappings.
    public var filePath: String? {
        guard path.hasPrefix("/") else { return nil }
        let file = isDeleted ? String(path.dropLast(MemoryMapping.deletedSuffix.count)) : path
        return file.contains("\\012") ? file.replacing("\\012", with: "\n") : file
    }

    static let deletedSuffix = " (deleted)"
}

extension MemoryMapping {
    /// Parses the text of /proc/PID/maps. Malformed lines are skipped.
    public static func parseMaps(_ text: String) -> [MemoryMapping] {
        var text = text
        return text.withUTF8 { parseMaps(bytes: $0) }
    }

    /// Byte-level parser: no regex, no per-line String splitting. Called often on
    /// processes with thousands of mappings.
    public static func parseMaps(bytes: UnsafeBufferPointer<UInt8>) -> [MemoryMapping] {
        var result: [MemoryMapping] = []
        var paths = PathCache()
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var cursor = MapsCursor(bytes: bytes, position: lineStart, end: lineEnd)
            if let mapping = cursor.parseLine(paths: &paths) { result.append(mapping) }
            lineStart = lineEnd + 1
        }
        return result
    }
}

/// Consecutive lines usually name the same file; reuse its String instead of
/// allocating a new one per line.
struct PathCache {
    private var lastString = ""

    mutating func string(for bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.isEmpty { return "" }
        if bytes.elementsEqual(lastString.utf8) { return lastString }
        lastString = String(decoding: bytes, as: UTF8.self)
        return lastString
    }
}

/// Reads the columns of one maps line: "start-end perms offset dev inode   path".
struct MapsCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    mutating func parseLine(paths: inout PathCache) -> MemoryMapping? {
        guard let start = hex(terminator: UInt8(ascii: "-")),
              let stop = hex(terminator: UInt8(ascii: " ")), start <= stop,
              let perms = token(), perms.count == 4,
              let offset = hex(terminator: UInt8(ascii: " ")),
              let device = token(), device.contains(UInt8(ascii: ":")),
              let inode = decimal()
        else { return nil }
        while position < end && bytes[position] == UInt8(ascii: " ") { position += 1 }
        let path = paths.string(for: UnsafeBufferPointer(rebasing: bytes[position..<end]))
        return MemoryMapping(
            start: start, end: stop,
            perms: String(decoding: perms, as: UTF8.self), offset: offset,
            device: String(decoding: device, as: UTF8.self), inode: inode, path: path)
    }

    /// 1-16 hex digits followed by `terminator`, which is consumed.
    private mutating func hex(terminator: UInt8) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while position < end && bytes[position] != terminator {
            guard digits < 16, let digit = Self.hexValue(bytes[position]) else { return nil }
            value = value << 4 | UInt64(digit)
            digits += 1
            position += 1
        }
        guard digits > 0, position < end else { return nil }
        position += 1
        return value
    }

    /// Non-empty run of non-space bytes; the following space, if any, is consumed.
    private mutating func token() -> UnsafeBufferPointer<UInt8>? {
        let begin = position
        while position < end && bytes[position] != UInt8(ascii: " ") { position += 1 }
        guard position > begin else { return nil }
        let slice = UnsafeBufferPointer(rebasing: bytes[begin..<position])
        if position < end { position += 1 }
        return slice
    }

    /// Decimal digits ending at a space or the end of the line, with overflow check.
    private mutating func decimal() -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while position < end && bytes[position] != UInt8(ascii: " ") {
            let byte = bytes[position]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1 && !o2 else { return nil }
            value = sum
            digits += 1
            position += 1
        }
        return digits > 0 ? value : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

import Libz

/// gzip streams through zlib: pprof files are gzip-compressed protobuf.
enum Gzip {
    struct Failed: Error, CustomStringConvertible {
        var status: Int32
        var description: String { "zlib failed (status \(status))" }
    }

    /// windowBits 15 + 16: zlib writes a gzip header and trailer instead of its own.
    private static let gzipWindowBits: Int32 = 15 + 16

    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        var status = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8,
                                   Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failed(status: status) }
        defer { deflateEnd(&stream) }
        // deflateBound covers the zlib wrapper; the gzip one is 12 bytes longer.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var source = input
        let written: Int = source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                status = deflate(&stream, Z_FINISH)
                return dst.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else { throw Failed(status: status) }
        return Array(output.prefix(written))
    }

    /// For reading back what `compress` wrote (tests, and checking a written profile).
    static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        var status = inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failed(status: status) }
        defer { inflateEnd(&stream) }
        var source = input
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try source.withUnsafeMutableBufferPointer { src in
            stream.next_in = src.baseAddress
            stream.avail_in = uInt(src.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { dst in
                    stream.next_out = dst.baseAddress
                    stream.avail_out = uInt(dst.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return dst.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw Failed(status: status) }
                result += chunk.prefix(produced)
            } while status != Z_STREAM_END
        }
        return result
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Thin POSIX file access. /proc files report st_size 0, so everything is read until EOF.
enum RawFile {
    /// Whole file contents, or the errno of the failing open/read.
    static func readAll(_ path: String) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(Errno(errno)) }
        defer { close(fd) }

        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var used = 0
        while true {
            if used == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + used, raw.count - used)
            }
            if n > 0 {
                used += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                return .failure(Errno(errno))
            }
        }
        buffer.removeSubrange(used...)
        return .success(buffer)
    }

    /// Target text of a symbolic link, or nil if it cannot be read.
    static func readLink(_ path: String) -> String? {
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [UInt8](repeating: 0, count: size)
            let n = buffer.withUnsafeMutableBufferPointer { ptr in
                ptr.baseAddress!.withMemoryRebound(to: CChar.self, capacity: size) {
                    readlink(path, $0, size)
                }
            }
            if n < 0 { return nil }
            // A full buffer may mean truncation: retry with a larger one.
            if n < size { return String(decoding: buffer[0..<n], as: UTF8.self) }
            size *= 2
        }
        return nil
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A directory's inode number; nil when it is not a directory.
    static func directoryInode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return UInt64(info.st_ino)
    }

    /// True when `path` names anything (a cgroup file may be unreadable yet present).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Entry names except "." and "..", or nil if the directory cannot be opened.
    static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                UnsafeRawPointer(tuple).withMemoryRebound(to: CChar.self, capacity: 256) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

struct Errno: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

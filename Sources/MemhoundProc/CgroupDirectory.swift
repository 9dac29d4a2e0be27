#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A cgroup directory given on the command line (`memhound watch --cgroup`), resolved to what the
/// kernel's watch rules key on and what /proc/PID/cgroup calls it.
public struct CgroupDirectory: Sendable, Equatable {
    /// The directory as given (absolute, without a trailing "/").
    public var directory: String
    /// The cgroup's path as /proc/PID/cgroup shows it, e.g. "/kubepods/pod1/abc".
    public var path: String
    /// 2: the unified hierarchy; 1: v1's memory hierarchy.
    public var version: Int
    /// cgroup_root.hierarchy_id: 0 for the unified hierarchy, /proc/cgroups's column for v1.
    public var hierarchy: UInt32
    /// The directory's inode number: the cgroup's kernfs id.
    public var id: UInt64

    public init(directory: String, path: String, version: Int, hierarchy: UInt32, id: UInt64) {
        self.directory = directory
        self.path = path
        self.version = version
        self.hierarchy = hierarchy
        self.id = id
    }
}

/// Why a --cgroup directory cannot be watched.
public enum CgroupDirectoryError: Error, Equatable, CustomStringConvertible {
    case notADirectory(String)
    case notACgroup(String)
    /// A v1 hierarchy other than memory's: the kernel rules look at the memory hierarchy only.
    case notMemoryHierarchy(String, controllers: String)

    public var description: String {
        switch self {
        case let .notADirectory(d): "\(d) is not a directory"
        case let .notACgroup(d): "\(d) is not in a cgroup file system (cgroup2, or v1's memory hierarchy)"
        case let .notMemoryHierarchy(d, controllers):
            "\(d) is in the v1 hierarchy of \(controllers), not memory's: give the same cgroup under the memory hierarchy (e.g. /sys/fs/cgroup/memory/...)"
        }
    }
}

/// One line of /proc/self/mountinfo, the fields watch needs.
struct CgroupMount: Equatable {
    var root: String
    var mountPoint: String
    var fsType: String
    var superOptions: [String]

    /// Parses mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts".
    static func parse(mountinfo text: String) -> [CgroupMount] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 4 else { return nil }
            let type = String(fields[dash + 1])
            guard type == "cgroup" || type == "cgroup2" else { return nil }
            return CgroupMount(root: unescape(fields[3]), mountPoint: unescape(fields[4]), fsType: type,
                               superOptions: fields[dash + 3].split(separator: ",").map(String.init))
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var u = Array(field.utf8)[...]
        while let c = u.first {
            u = u.dropFirst()
            if c == UInt8(ascii: "\\"), u.count >= 3, let v = UInt8(String(decoding: u.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(v)
                u = u.dropFirst(3)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ProcFS {
    /// Resolves a cgroup directory (a path on this machine, under `root`) through mountinfo.
    public func cgroupDirectory(_ given: String) throws(CgroupDirectoryError) -> CgroupDirectory {
        var directory = given
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        guard let inode = RawFile.directoryInode(path(directory)) else { throw .notADirectory(given) }
        let mounts = text("proc/self/mountinfo").map(CgroupMount.parse) ?? []
        // The deepest cgroup mount holding the directory.
        let holding = mounts.filter { m in
            directory == m.mountPoint || directory.hasPrefix(m.mountPoint.hasSuffix("/") ? m.mountPoint : m.mountPoint + "/")
        }.max { $0.mountPoint.count < $1.mountPoint.count }
        guard let mount = holding else { throw .notACgroup(given) }
        let below = String(directory.dropFirst(mount.mountPoint.count))
        let rooted = (mount.root == "/" ? "" : mount.root) + below
        let cgroupPath = rooted.isEmpty ? "/" : rooted
        if mount.fsType == "cgroup2" {
            return CgroupDirectory(directory: directory, path: cgroupPath, version: 2, hierarchy: 0, id: inode)
        }
        guard mount.superOptions.contains("memory") else {
            let controllers = mount.superOptions.filter { !["rw", "ro"].contains($0) }.joined(separator: ",")
            throw .notMemoryHierarchy(given, controllers: controllers)
        }
        guard let hierarchy = memoryHierarchyID() else { throw .notACgroup(given) }
        return CgroupDirectory(directory: directory, path: cgroupPath, version: 1, hierarchy: hierarchy, id: inode)
    }

    /// v1's memory hierarchy id, from /proc/cgroups ("memory 4 84 1").
    func memoryHierarchyID() -> UInt32? {
        guard let text = text("proc/cgroups") else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if f.count >= 2, f[0] == "memory", let id = UInt32(f[1]), id > 0 { return id }
        }
        return nil
    }

    /// Every process in the cgroup and its descendants, as memhound's pid namespace numbers them
    /// (cgroup.procs is read in the reader's namespace).
    public func processes(in cgroup: CgroupDirectory) -> [Int32] {
        var pids: [Int32] = []
        var pending = [cgroup.directory]
        while let dir = pending.popLast() {
            if case .success(let bytes) = RawFile.readAll(path(dir + "/cgroup.procs")) {
                pids += String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { Int32($0) }
            }
            for name in RawFile.listDirectory(path(dir)) ?? [] where RawFile.isDirectory(path(dir + "/" + name)) {
                pending.append(dir + "/" + name)
            }
        }
        return pids
    }

    private func text(_ relative: String) -> String? {
        guard case .success(let bytes) = RawFile.readAll(path(relative)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every process /proc lists (memhound's pid namespace).
    public func allPids() -> [Int32] {
        (RawFile.listDirectory(path("proc")) ?? []).compactMap { Int32($0) }.filter { $0 > 0 }.sorted()
    }
}

import Foundation
@testable import MemhoundProc
import XCTest

/// `watch --cgroup DIR`: the directory resolved through mountinfo to what the kernel rules key on.
final class CgroupDirectoryTests: XCTestCase {
    let mountinfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
        50 31 0:40 /kubepods /mnt/my\\040pods rw,relatime - cgroup2 cgroup2 rw

        """
    let cgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\nmemory\t4\t84\t1\n"

    /// A fixture root with the files and cgroup directories (with cgroup.procs) given.
    func root(dirs: [String: String]) throws -> ProcFS {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-cgdir-\(UUID())")
        addTeardownBlock { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.createDirectory(at: base.appendingPathComponent("proc/self"), withIntermediateDirectories: true)
        try mountinfo.write(to: base.appendingPathComponent("proc/self/mountinfo"), atomically: true, encoding: .utf8)
        try cgroups.write(to: base.appendingPathComponent("proc/cgroups"), atomically: true, encoding: .utf8)
        for (dir, procs) in dirs {
            let url = base.appendingPathComponent(String(dir.dropFirst()))
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try procs.write(to: url.appendingPathComponent("cgroup.procs"), atomically: true, encoding: .utf8)
        }
        for name in ["proc/1", "proc/42", "proc/self/x"] {
            try FileManager.default.createDirectory(at: base.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        return ProcFS(root: base.path)
    }

    func testV1MemoryDirectoryResolvesToItsPathAndHierarchy() throws {
        let proc = try root(dirs: ["/sys/fs/cgroup/memory/kubepods/pod1": ""])
        let c = try proc.cgroupDirectory("/sys/fs/cgroup/memory/kubepods/pod1/")
        XCTAssertEqual(c.directory, "/sys/fs/cgroup/memory/kubepods/pod1")
        XCTAssertEqual(c.path, "/kubepods/pod1")
        XCTAssertEqual(c.version, 1)
        XCTAssertEqual(c.hierarchy, 4)
        XCTAssertGreaterThan(c.id, 0)
        XCTAssertEqual(try proc.cgroupDirectory("/sys/fs/cgroup/memory").path, "/")
    }

    func testUnifiedDirectoryIsHierarchyZeroAndAMountRootIsPrefixed() throws {
        let proc = try root(dirs: ["/sys/fs/cgroup/unified/system.slice/a.service": "", "/mnt/my pods/pod1": ""])
        let c = try proc.cgroupDirectory("/sys/fs/cgroup/unified/system.slice/a.service")
        XCTAssertEqual(c.path, "/system.slice/a.service")
        XCTAssertEqual(c.version, 2)
        XCTAssertEqual(c.hierarchy, 0)
        // A mount of a subtree (root field /kubepods), with an escaped space in its mount point.
        XCTAssertEqual(try proc.cgroupDirectory("/mnt/my pods/pod1").path, "/kubepods/pod1")
    }

    func testDirectoriesThatCannotBeWatchedAreRefusedWithTheReason() throws {
        let proc = try root(dirs: ["/sys/fs/cgroup/cpu/a": "", "/tmp/plain": ""])
        XCTAssertThrowsError(try proc.cgroupDirectory("/sys/fs/cgroup/cpu/a")) { error in
            XCTAssertEqual(error as? CgroupDirectoryError, .notMemoryHierarchy("/sys/fs/cgroup/cpu/a", controllers: "cpu"))
            XCTAssertTrue("\(error)".contains("memory hierarchy"), "\(error)")
        }
        XCTAssertThrowsError(try proc.cgroupDirectory("/tmp/plain")) {
            XCTAssertEqual($0 as? CgroupDirectoryError, .notACgroup("/tmp/plain"))
        }
        XCTAssertThrowsError(try proc.cgroupDirectory("/nonexistent")) {
            XCTAssertEqual($0 as? CgroupDirectoryError, .notADirectory("/nonexistent"))
        }
    }

    func testProcessesOfACgroupIncludeItsDescendants() throws {
        let proc = try root(dirs: ["/sys/fs/cgroup/memory/app": "10\n11\n",
                                   "/sys/fs/cgroup/memory/app/worker": "12\n",
                                   "/sys/fs/cgroup/memory/app/worker/deep": "13\n",
                                   "/sys/fs/cgroup/memory/other": "99\n"])
        let c = try proc.cgroupDirectory("/sys/fs/cgroup/memory/app")
        XCTAssertEqual(proc.processes(in: c).sorted(), [10, 11, 12, 13])
        XCTAssertEqual(proc.allPids(), [1, 42])
    }

    func testMountinfoParsing() {
        let mounts = CgroupMount.parse(mountinfo: mountinfo)
        XCTAssertEqual(mounts.map(\.mountPoint), ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/mnt/my pods"])
        XCTAssertEqual(mounts[2].fsType, "cgroup2")
        XCTAssertEqual(mounts[1].superOptions, ["rw", "memory"])
        XCTAssertEqual(CgroupMount.parse(mountinfo: "garbage\n1 2 3\n- - -\n"), [])
    }
}

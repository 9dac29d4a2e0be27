import Foundation
import MemhoundProc
import XCTest

/// ProcFS against Fixtures/proc/root1, a tree captured from a real machine:
/// 4242 = a python process (comm set to "x) (y z", one deleted and one spaced mapping),
/// 2 = kthreadd, 3279 = a zombie, 77 = hybrid cgroup v1+v2, 6666 = garbage files.
final class ProcFSFixtureTests: XCTestCase {
    static let kB: UInt64 = 1024
    var rootPath: String { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/proc/root1").path + "/" }
    var fs: ProcFS { ProcFS(root: rootPath) }

    func testStatusOfRealProcessConvertsKilobytes() throws {
        let status = try fs.status(pid: 4242)
        var expected = ProcessStatus(
            name: "x) (y z", tgid: 4242, ppid: 2971,
            vmRSS: 21928 * Self.kB, rssAnon: 15112 * Self.kB, rssFile: 6816 * Self.kB,
            rssShmem: 0, vmSwap: 0, threads: 1, hasMemory: true)
        expected.nsPids = [4242]
        XCTAssertEqual(status, expected)
    }

    func testZombieAndKernelThreadStatusHaveNoMemory() throws {
        let zombie = try fs.status(pid: 3279)
        var expected = ProcessStatus(name: "python3", tgid: 3279, ppid: 3238, threads: 1, hasMemory: false)
        expected.nsPids = [3279]
        XCTAssertEqual(zombie, expected)
        let kthread = try fs.status(pid: 2)
        XCTAssertFalse(kthread.hasMemory)
        XCTAssertEqual(kthread.vmRSS, 0)
        XCTAssertEqual(kthread.name, "kthreadd")
    }

    func testSmapsRollup() throws {
        XCTAssertEqual(try fs.smapsRollup(pid: 4242), SmapsRollup(
            rss: 21928 * Self.kB, pss: 20707 * Self.kB, pssAnon: 15112 * Self.kB,
            pssFile: 5595 * Self.kB, pssShmem: 0, anonymous: 15112 * Self.kB, swap: 0, swapPss: 0))
    }

    func testStatWithHostileComm() throws {
        XCTAssertEqual(try fs.stat(pid: 4242), ProcessStat(
            pid: 4242, comm: "x) (y z", state: "R", ppid: 2971, flags: 4_194_304, startTime: 32619))
        XCTAssertFalse(try fs.isKernelThread(pid: 4242))
    }

    func testKernelThreadDetection() throws {
        let kthreadd = try fs.stat(pid: 2)
        XCTAssertEqual(kthreadd, ProcessStat(pid: 2, comm: "kthreadd", state: "S", ppid: 0, flags: 2_129_984, startTime: 25))
        XCTAssertTrue(try fs.isKernelThread(pid: 2))
        // The zombie's flags (0x408044) include PF_EXITING but not PF_KTHREAD.
        XCTAssertFalse(try fs.isKernelThread(pid: 3279))
        XCTAssertEqual(try fs.stat(pid: 3279).state, "Z")
        XCTAssertEqual(try fs.stat(pid: 3279).startTime, 34908)
    }

    func testMaps() throws {
        let maps = try fs.maps(pid: 4242)
        XCTAssertEqual(maps.count, 112)
        XCTAssertEqual(maps.filter(\.isExecutable).count, 21)
        XCTAssertEqual(maps.filter(\.isAnonymous).count, 13)
        XCTAssertEqual(maps.filter(\.isDeleted).count, 1)
        XCTAssertEqual(maps[0], MemoryMapping(
            start: 0x55af_e7f3_d000, end: 0x55af_e7f3_e000, perms: "r--p", offset: 0,
            device: "fe:00", inode: 20504, path: "/root/.pyenv/versions/3.11.7/bin/python3.11"))
        XCTAssertEqual(maps[1].offset, 0x1000)
        XCTAssertTrue(maps[1].isExecutable)
        XCTAssertEqual(maps[5].path, "[heap]")
        XCTAssertEqual(maps[6].path, "")
        XCTAssertTrue(maps[6].isAnonymous)
        XCTAssertEqual(maps[104].path, "[vdso]")
        XCTAssertNil(maps[104].filePath)
        XCTAssertEqual(maps.last?.start, 0xffff_ffff_ff60_0000)
    }

    func testMapsDeletedAndSpacedPaths() throws {
        let maps = try fs.maps(pid: 4242)
        let deleted = maps[7]
        XCTAssertEqual(deleted.path, "/tmp/fixcap/gone.so (deleted)")
        XCTAssertTrue(deleted.isDeleted)
        XCTAssertFalse(deleted.isAnonymous)
        XCTAssertEqual(deleted.filePath, "/tmp/fixcap/gone.so")
        XCTAssertEqual(deleted.perms, "r--s")
        XCTAssertEqual(deleted.inode, 16_220_343)
        let spaced = maps[8]
        XCTAssertEqual(spaced.path, "/tmp/fixcap/my lib.so")
        XCTAssertEqual(spaced.filePath, "/tmp/fixcap/my lib.so")
        XCTAssertFalse(spaced.isDeleted)
    }

    func testMappedFilePathCandidates() throws {
        let maps = try fs.maps(pid: 4242)
        XCTAssertEqual(fs.mappedFilePath(pid: 4242, mapping: maps[8]), [
            rootPath + "proc/4242/map_files/7f42e275e000-7f42e2767000",
            rootPath + "proc/4242/root/tmp/fixcap/my lib.so",
        ])
        // A deleted file is only reachable through map_files; its old path may now be another file.
        XCTAssertEqual(fs.mappedFilePath(pid: 4242, mapping: maps[7]),
                       [rootPath + "proc/4242/map_files/7f42e2755000-7f42e275e000"])
        XCTAssertEqual(fs.mappedFilePath(pid: 4242, mapping: maps[5]), [])
        let high = MemoryMapping(start: 0xFFFF_FFFF_FF60_0000, end: 0xFFFF_FFFF_FF60_1000, perms: "r-xp",
                                 offset: 0, device: "00:00", inode: 1, path: "/x")
        XCTAssertEqual(ProcFS().mappedFilePath(pid: 1, mapping: high),
                       ["/proc/1/map_files/ffffffffff600000-ffffffffff601000", "/proc/1/root/x"])
    }

    func testCgroupV2Resolution() {
        XCTAssertEqual(fs.cgroupMemory(pid: 4242), CgroupMemory(path: "/system.slice/x.service", current: 123_731_968))
        // Hybrid hierarchy: the "0::" line among v1 lines, v2 mounted at sys/fs/cgroup/unified.
        XCTAssertEqual(fs.cgroupMemory(pid: 77), CgroupMemory(path: "/user.slice", current: 4_096_000))
        XCTAssertNil(fs.cgroupMemory(pid: 2), "no cgroup file")
        XCTAssertNil(fs.cgroupMemory(pid: 6666), "path escaping the cgroup root")
        XCTAssertNil(fs.cgroupMemory(pid: 9999))
    }

    func testSmallFiles() {
        XCTAssertEqual(fs.cmdline(pid: 4242), ["/root/.pyenv/versions/3.11.7/bin/python3", "cap.py", "a1", "arg two"])
        XCTAssertEqual(fs.cmdline(pid: 2), [])
        XCTAssertEqual(fs.cmdline(pid: 9999), [])
        XCTAssertEqual(fs.comm(pid: 4242), "x) (y z")
        XCTAssertEqual(fs.comm(pid: 2), "kthreadd")
        XCTAssertNil(fs.comm(pid: 9999))
        XCTAssertEqual(fs.exe(pid: 4242), "/root/.pyenv/versions/3.11.7/bin/python3.11")
        XCTAssertNil(fs.exe(pid: 2))
        XCTAssertEqual(fs.kernelRelease(), "6.18.44-fc-v657")
        XCTAssertEqual(fs.mmapMinAddress(), 65536)
        XCTAssertNil(ProcFS(root: "/nonexistent").mmapMinAddress())
        XCTAssertTrue(fs.exists(pid: 4242))
        XCTAssertFalse(fs.exists(pid: 9999))
        XCTAssertEqual(fs.threadIDs(pid: 4242), [4242, 4250])
        XCTAssertEqual(fs.threadIDs(pid: 2), [])
    }

    func testPathJoining() {
        XCTAssertEqual(ProcFS().path("proc/1/maps"), "/proc/1/maps")
        XCTAssertEqual(ProcFS(root: "/tmp/r").path("/proc/1/maps"), "/tmp/r/proc/1/maps")
        XCTAssertEqual(ProcFS(root: "/tmp/r/").root, "/tmp/r/")
    }

    func testMissingProcessThrowsNoSuchProcess() {
        XCTAssertThrowsError(try fs.status(pid: 9999)) { XCTAssertEqual($0 as? ProcError, .noSuchProcess(9999)) }
        XCTAssertThrowsError(try fs.stat(pid: 9999)) { XCTAssertEqual($0 as? ProcError, .noSuchProcess(9999)) }
        XCTAssertThrowsError(try fs.maps(pid: 9999)) { XCTAssertEqual($0 as? ProcError, .noSuchProcess(9999)) }
        XCTAssertThrowsError(try fs.smapsRollup(pid: 9999)) { XCTAssertEqual($0 as? ProcError, .noSuchProcess(9999)) }
        XCTAssertThrowsError(try fs.isKernelThread(pid: 9999)) { XCTAssertEqual($0 as? ProcError, .noSuchProcess(9999)) }
        XCTAssertEqual(ProcError.noSuchProcess(9999).description, "no such process: 9999")
    }

    func testUnreadableKeepsPathAndErrno() {
        // A regular file used as a directory: open fails with ENOTDIR, not ENOENT.
        let badRoot = ProcFS(root: rootPath + "proc/4242/status")
        let expectedPath = rootPath + "proc/4242/status/proc/1/status"
        XCTAssertThrowsError(try badRoot.status(pid: 1)) {
            XCTAssertEqual($0 as? ProcError, .unreadable(expectedPath, errno: ENOTDIR))
            XCTAssertEqual("\($0)", "cannot read \(expectedPath): Not a directory (errno \(ENOTDIR))")
        }
    }

    func testGarbageFilesAreMalformedNotFatal() throws {
        XCTAssertThrowsError(try fs.stat(pid: 6666)) { error in
            guard case .malformed(let what)? = error as? ProcError else { return XCTFail("\(error)") }
            XCTAssertTrue(what.hasPrefix(self.rootPath + "proc/6666/stat"), what)
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertThrowsError(try fs.status(pid: 6666))
        XCTAssertThrowsError(try fs.smapsRollup(pid: 6666))
        let maps = try fs.maps(pid: 6666)
        XCTAssertEqual(maps.map(\.path), ["/usr/bin/dbus-daemon"], "bad lines skipped")
        XCTAssertEqual(try fs.maps(pid: 3279), [], "zombie has empty maps")
    }
}

import MemhoundProc
import XCTest

/// The pure parsers on hand-written, hostile and random input.
final class ProcParserTests: XCTestCase {
    // MARK: stat

    func testStatCommWithParenthesesSpacesAndNewline() throws {
        let comm = "a) S 1 (b\nc) R 9"
        let line = "123 (\(comm)) S 77 123 123 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 987654 1 2"
        let stat = try ProcessStat.parse(line)
        XCTAssertEqual(stat, ProcessStat(pid: 123, comm: comm, state: "S", ppid: 77, flags: 4_194_560, startTime: 987_654))
        XCTAssertEqual(try ProcessStat.parse("5 () I 2 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3\n").comm, "")
    }

    func testStatGarbageThrowsMalformed() {
        let inputs = ["", "()", ")(", "1 (x)", "1 (x) R", "abc (x) R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 1",
                      "1 (x) RR 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 1", "1 (x) R 1 0 0 0 -1 -5 0 0 0 0 0 0 0 0 0 0 0 0 1",
                      "99999999999 (x) R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 1"]
        for input in inputs {
            XCTAssertThrowsError(try ProcessStat.parse(input), input) { error in
                guard case .malformed? = error as? ProcError else { return XCTFail("\(error)") }
            }
        }
    }

    // MARK: status

    func testStatusKilobytesAndMissingFields() throws {
        let text = "Name:\t  my\\nproc\nTgid:\t10\nPPid:\t1\nVmRSS:\t   3 kB\nRssAnon:\t 2 kB\nThreads:\t4\n"
        let status = try ProcessStatus.parse(text)
        XCTAssertEqual(status.name, "  my\\nproc", "kernel escaping kept, leading blanks are part of the name")
        XCTAssertEqual(status.vmRSS, 3072)
        XCTAssertEqual(status.rssAnon, 2048)
        XCTAssertEqual(status.rssFile, 0)
        XCTAssertEqual(status.threads, 4)
        XCTAssertTrue(status.hasMemory)
    }

    func testStatusBadValuesCountAsAbsent() throws {
        let text = "Name:\tx\nTgid:\t1\nVmRSS:\t99999999999999999999 kB\nRssAnon:\t18014398509481984 kB\n" +
            "RssFile:\t5 MB\nVmSwap:\tlots\nPPid:\t-\nnonsense line\n\n:\n"
        let status = try ProcessStatus.parse(text)
        XCTAssertEqual(status, ProcessStatus(name: "x", tgid: 1, ppid: 0))
    }

    func testStatusWithoutNameOrTgidIsMalformed() {
        XCTAssertThrowsError(try ProcessStatus.parse(""))
        XCTAssertThrowsError(try ProcessStatus.parse("Name:\tx\nTgid:\tx\n"))
        XCTAssertThrowsError(try ProcessStatus.parse("Tgid:\t1\n"))
    }

    // MARK: smaps_rollup

    func testSmapsRollupOlderKernelWithoutPssSplit() throws {
        let text = "00400000-7ffe1000 ---p 00000000 00:00 0      [rollup]\nRss:  8 kB\nPss:   4 kB\nSwap: 1 kB\n"
        XCTAssertEqual(try SmapsRollup.parse(text), SmapsRollup(rss: 8192, pss: 4096, swap: 1024))
        XCTAssertThrowsError(try SmapsRollup.parse(""))
    }

    // MARK: maps

    /// The kernel writes a newline in a path as \\012: the file is named as the process mapped it.
    func testMapsNewlineEscapeIsUndoneAndDeletionIsKnown() {
        let maps = MemoryMapping.parseMaps("7f0000000000-7f0000001000 r-xp 00000000 fd:01 42 /tmp/a\\012b.so (deleted)\n")
        XCTAssertEqual(maps.first?.filePath, "/tmp/a\nb.so")
        XCTAssertEqual(maps.first?.isDeleted, true)
    }

    func testMapsPathsKeepInnerAndTrailingSpaces() {
        let text = """
            7f0000000000-7f0000001000 r-xp 0000a000 fd:01 42    /opt/a  b/lib x.so (deleted)
            7f0000001000-7f0000002000 rw-p 00000000 00:00 0 
            7f0000002000-7f0000003000 rw-s 00000000 00:01 1234  /SYSV00000000 (deleted)
            7f0000003000-7f0000004000 r--p 00000000 fd:01 7     /x.so   
            """
        let maps = MemoryMapping.parseMaps(text)
        XCTAssertEqual(maps.count, 4)
        XCTAssertEqual(maps[0].path, "/opt/a  b/lib x.so (deleted)")
        XCTAssertEqual(maps[0].filePath, "/opt/a  b/lib x.so")
        XCTAssertEqual(maps[0].offset, 0xa000)
        XCTAssertEqual(maps[0].device, "fd:01")
        XCTAssertEqual(maps[0].size, 0x1000)
        XCTAssertEqual(maps[1].path, "")
        XCTAssertTrue(maps[1].isAnonymous)
        XCTAssertFalse(maps[1].isExecutable)
        XCTAssertFalse(maps[2].isAnonymous, "shared memory has an inode")
        XCTAssertTrue(maps[2].isDeleted)
        XCTAssertEqual(maps[3].path, "/x.so   ", "only leading spaces are trimmed")
    }

    func testMapsMalformedLinesSkipped() {
        let lines = [
            "", "garbage", "zzzz-1000 r-xp 0 00:00 0", "1000-zz r-xp 0 00:00 0",
            "11111111111111111-2 r-xp 0 00:00 0 /too/long", "2000-1000 r-xp 0 00:00 0",
            "1000-2000 r-x 0 00:00 0", "1000-2000 r-xp 0 0000 0", "1000-2000 r-xp 0 00:00",
            "1000-2000 r-xp 0 00:00 99999999999999999999", "1000-2000 r-xp 0 00:00 12a /x",
            "1000-2000", "-", "1000-", "1000-2000 ",
            "1000-2000 r-xp 0 00:00 5 /ok",
        ]
        let maps = MemoryMapping.parseMaps(lines.joined(separator: "\n"))
        XCTAssertEqual(maps, [MemoryMapping(start: 0x1000, end: 0x2000, perms: "r-xp", offset: 0,
                                            device: "00:00", inode: 5, path: "/ok")])
    }

    func testMapsInvalidUTF8PathDoesNotCrash() {
        var bytes = Array("1000-2000 r--p 0 08:01 3 /bad".utf8) + [0xFF, 0xC3] + Array("\n".utf8)
        bytes += Array("2000-3000 r--p 0 08:01 3 /next".utf8)
        let maps = bytes.withUnsafeBufferPointer { MemoryMapping.parseMaps(bytes: $0) }
        XCTAssertEqual(maps.count, 2)
        XCTAssertTrue(maps[0].path.hasPrefix("/bad"))
        XCTAssertEqual(maps[1].path, "/next")
    }

    // MARK: cgroup

    func testCgroupUnifiedPath() {
        XCTAssertEqual(CgroupMemory.unifiedPath(fromCgroupFile: "0::/system.slice/a b.service\n"), "/system.slice/a b.service")
        XCTAssertEqual(CgroupMemory.unifiedPath(fromCgroupFile: "4:memory:/x\n0::/\n"), "/")
        XCTAssertNil(CgroupMemory.unifiedPath(fromCgroupFile: "4:memory:/x\n1:cpu:/\n"), "v1 only")
        XCTAssertNil(CgroupMemory.unifiedPath(fromCgroupFile: "0::/a/../../etc\n"))
        XCTAssertNil(CgroupMemory.unifiedPath(fromCgroupFile: "0::relative\n"))
        XCTAssertEqual(CgroupMemory.parseCurrent("123\n"), 123)
        XCTAssertNil(CgroupMemory.parseCurrent("max\n"))
        XCTAssertNil(CgroupMemory.parseCurrent(""))
    }

    // MARK: robustness

    /// Random bytes and mutated real lines must never crash a parser.
    func testParsersSurviveRandomInput() {
        var rng = SplitMix64(seed: 0x5EED)
        let alphabet = Array("0123456789abcdef-: ()\n\tkBxrwps/[]=.".utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<3000 {
            let length = Int(rng.next() % 200)
            let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? ProcessStat.parse(text)
            _ = try? ProcessStatus.parse(text)
            _ = try? SmapsRollup.parse(text)
            _ = CgroupMemory.unifiedPath(fromCgroupFile: text)
            _ = MemoryPressure.parse(text)
            _ = MemoryPressure.parse("some avg10=" + text)
            _ = CgroupMemoryDetail.Stat.parse(v1: text)
            _ = CgroupMemoryDetail.Events.parse(v1OOMControl: text, failcnt: text)
            _ = bytes.withUnsafeBufferPointer { MemoryMapping.parseMaps(bytes: $0) }
                .map { ($0.isExecutable, $0.isAnonymous, $0.filePath, $0.size) }
        }
    }
}

/// Deterministic generator so failures are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

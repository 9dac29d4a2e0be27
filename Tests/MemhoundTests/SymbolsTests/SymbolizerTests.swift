import Foundation
import MemhoundProc
@testable import MemhoundSymbols
import XCTest

/// Symbolizes a PIE binary built by the test, while it runs and after it exits.
final class SymbolizerTests: XCTestCase {
    struct Target {
        var process: Process
        var binary: String
        var leakHere: UInt64
        var malloc: UInt64
        var returnAddress: UInt64
    }

    private func startTarget() throws -> Target {
        let source = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/programs/symtarget", withExtension: "c")).path
        let dir = NSTemporaryDirectory() + "memhound-sym-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let binary = dir + "/symtarget"
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
        cc.arguments = ["-O0", "-g", "-fno-omit-frame-pointer", "-o", binary, source]
        try cc.run()
        cc.waitUntilExit()
        XCTAssertEqual(cc.terminationStatus, 0, "gcc failed")
        let out = Pipe()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.standardOutput = out
        try p.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let fields = line.split(separator: " ").prefix(3).compactMap { UInt64($0, radix: 16) }
        XCTAssertEqual(fields.count, 3, "unexpected output: \(line)")
        return Target(process: p, binary: binary, leakHere: fields[0], malloc: fields[1], returnAddress: fields[2])
    }

    private func stop(_ t: Target) {
        kill(t.process.processIdentifier, SIGKILL)
        t.process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: (t.binary as NSString).deletingLastPathComponent)
    }

    /// A caller frame whose return address is a mapping's first byte (a garbage stack: found by
    /// scripts/fuzz) resolves inside the mapping instead of trapping on the address one before it.
    func testCallerAtTheFirstByteOfAMappingDoesNotTrap() throws {
        let root = NSTemporaryDirectory() + "memhound-fakeroot-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/proc/7/root/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: root + "/proc/7/root/bin/true")
        try "00400000-00600000 r-xp 00000000 fd:01 42 /bin/true\n".write(toFile: root + "/proc/7/maps", atomically: true, encoding: .utf8)
        let symbolizer = Symbolizer(proc: ProcFS(root: root))
        symbolizer.observe(pid: 7)
        let frames = symbolizer.symbolize(pid: 7, addresses: [0x400010, 0x400000])
        XCTAssertEqual(frames.last?.module, "/bin/true")
        XCTAssertEqual(frames.last?.address, 0x400000)
    }

    /// A forked child that exits before its own maps are read resolves through its parent's
    /// snapshot (its address space was a copy of it) until it execs a new program.
    func testForkedChildResolvesWithItsParentsMapsUntilItExecs() throws {
        let root = NSTemporaryDirectory() + "memhound-forkroot-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/proc/7/root/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: root + "/proc/7/root/bin/true")
        try "00400000-00600000 r-xp 00000000 fd:01 42 /bin/true\n".write(toFile: root + "/proc/7/maps", atomically: true, encoding: .utf8)
        let symbolizer = Symbolizer(proc: ProcFS(root: root))
        symbolizer.observe(pid: 7)
        // pid 8 has no /proc entry: it exited before memhound saw its fork.
        symbolizer.observe(pid: 8, forkedFrom: 7)
        XCTAssertEqual(symbolizer.symbolize(pid: 8, addresses: [0x400010]).first?.module, "/bin/true")
        symbolizer.observeExec(pid: 8, execNs: .max)
        XCTAssertEqual(symbolizer.symbolize(pid: 8, addresses: [0x400010]).first?.module, "[unknown]")
    }

    /// An exec record handled after the new program's maps were read (memhound behind, the process
    /// gone since) keeps that snapshot: it is the new program's.
    func testASnapshotReadSinceTheExecStays() throws {
        let root = NSTemporaryDirectory() + "memhound-execroot-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/proc/7/root/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: root + "/proc/7/root/bin/true")
        try "00400000-00600000 r-xp 00000000 fd:01 42 /bin/true\n".write(toFile: root + "/proc/7/maps", atomically: true, encoding: .utf8)
        let symbolizer = Symbolizer(proc: ProcFS(root: root))
        symbolizer.observe(pid: 7)
        try FileManager.default.removeItem(atPath: root + "/proc/7")
        symbolizer.observeExec(pid: 7, execNs: 0)
        XCTAssertEqual(symbolizer.symbolize(pid: 7, addresses: [0x400010]).first?.module, "/bin/true")
    }

    /// The NT_GNU_BUILD_ID note as hex, and none for a binary linked without one.
    func testReadsTheGNUBuildID() throws {
        let source = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/programs/symtarget", withExtension: "c")).path
        let dir = NSTemporaryDirectory() + "memhound-buildid-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let id = "00112233445566778899aabbccddeeff0a0b0c0d"
        for (name, flag) in [("with", "-Wl,--build-id=0x\(id)"), ("without", "-Wl,--build-id=none")] {
            let cc = Process()
            cc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
            cc.arguments = ["-O0", flag, "-o", "\(dir)/\(name)", source]
            try cc.run()
            cc.waitUntilExit()
            XCTAssertEqual(cc.terminationStatus, 0, "gcc \(flag) failed")
        }
        XCTAssertEqual(try XCTUnwrap(ElfFile(path: dir + "/with")).buildID, id)
        XCTAssertNil(try XCTUnwrap(ElfFile(path: dir + "/without")).buildID)
    }

    func testResolvesFunctionFileAndLineInAPIEBinary() throws {
        let t = try startTarget()
        defer { stop(t) }
        let s = Symbolizer(proc: ProcFS())
        let frames = s.symbolize(pid: t.process.processIdentifier, addresses: [t.leakHere + 4, t.malloc])
        XCTAssertEqual(frames[0].function, "leak_here")
        XCTAssertEqual(frames[0].module, t.binary)
        XCTAssertTrue(frames[0].file?.hasSuffix("symtarget.c") == true, "\(String(describing: frames[0].file))")
        // The prologue belongs to the function's first lines (8-10 in symtarget.c).
        XCTAssertTrue((8...10).contains(frames[0].line ?? 0), "\(String(describing: frames[0].line))")
        XCTAssertEqual(frames[0].symbolOffset, 4)
        // Callers' frames are return addresses: they resolve through the byte before,
        // which for a function's first byte is whatever precedes it.
        XCTAssertNotEqual(frames[1].function, frames[0].function)
        let libc = s.symbolize(pid: t.process.processIdentifier, addresses: [t.malloc])[0]
        XCTAssertTrue(libc.module.contains("libc.so"), libc.module)
        XCTAssertTrue(libc.function?.contains("malloc") == true, "\(String(describing: libc.function))")
    }

    func testUnknownAddressesAreKeptAsModuleAndOffset() throws {
        let t = try startTarget()
        defer { stop(t) }
        let s = Symbolizer(proc: ProcFS())
        let frames = s.symbolize(pid: t.process.processIdentifier, addresses: [0x10])
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames[0].module, "[unknown]")
        XCTAssertNil(frames[0].function)
    }

    func testSymbolsSurviveTheProcessExit() throws {
        let t = try startTarget()
        let pid = t.process.processIdentifier
        let s = Symbolizer(proc: ProcFS())
        s.observe(pid: pid)
        stop(t)
        let frames = s.symbolize(pid: pid, addresses: [t.leakHere + 1])
        XCTAssertEqual(frames.first?.function, "leak_here")
    }

    func testLeafReturnIsInsertedOnlyWhenItIsAReturnAddress() throws {
        let t = try startTarget()
        defer { stop(t) }
        let pid = t.process.processIdentifier
        let s = Symbolizer(proc: ProcFS())
        XCTAssertTrue(s.isReturnAddress(pid: pid, t.returnAddress))
        XCTAssertFalse(s.isReturnAddress(pid: pid, t.leakHere))
        let with = s.symbolize(pid: pid, addresses: [t.leakHere + 4], wordAtSP: t.returnAddress)
        XCTAssertEqual(with.map(\.function), ["leak_here", "main"])
        let without = s.symbolize(pid: pid, addresses: [t.leakHere + 4], wordAtSP: t.leakHere)
        XCTAssertEqual(without.map(\.function), ["leak_here"])
        let duplicate = s.symbolize(pid: pid, addresses: [t.leakHere + 4, t.returnAddress], wordAtSP: t.returnAddress)
        XCTAssertEqual(duplicate.count, 2)
    }
}

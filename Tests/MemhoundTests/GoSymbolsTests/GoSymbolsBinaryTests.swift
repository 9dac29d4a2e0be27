import Foundation
@testable import MemhoundSymbols
import XCTest

/// Resolves pcs of a Go program built by the test (plain, stripped, stripped
/// PIE) and compares with what its own runtime printed about them.
final class GoSymbolsBinaryTests: XCTestCase {
    private func table(_ path: String) throws -> GoSymbolTable {
        try XCTUnwrap(try GoSymbolTable.load(elfPath: path), "\(path) has no .gopclntab")
    }

    /// The program's report in link-time addresses (a PIE ran at a random base).
    private func linkTimeReport(_ binary: String, _ t: GoSymbolTable) throws -> GoRuntimeReport {
        let report = try GoFixture.get().runtimeReport(binary)
        let main = try XCTUnwrap((0..<t.functionCount).lazy.compactMap { t.function(at: $0) }.first { $0.name == "main.main" })
        return report.unbiased(report.mainEntry &- main.entry)
    }

    private func binaries() throws -> [String] {
        let f = try GoFixture.get()
        return [f.plain, f.stripped, f.strippedPIE]
    }

    func testReadsASupportedMagic() throws {
        for binary in try binaries() {
            let t = try table(binary)
            XCTAssertTrue([0xFFFF_FFF0, 0xFFFF_FFF1].contains(t.goVersionMagic), binary)
            XCTAssertGreaterThan(t.functionCount, 500, binary)
        }
    }

    /// Go writes its own build id note (.note.go.buildid), not NT_GNU_BUILD_ID: frames get no build_id.
    func testGoBuildIDNoteIsNotTakenForAGNUBuildID() throws {
        let plain = try GoFixture.get().plain
        XCTAssertNil(try XCTUnwrap(ElfFile(path: plain)).buildID)
    }

    func testResolvesFunctionFileAndLine() throws {
        for binary in try binaries() {
            let t = try table(binary)
            let report = try linkTimeReport(binary, t)
            XCTAssertEqual(t.frames(at: report.physicalPC),
                           [GoFrame(function: "main.physical", file: report.physicalFile, line: report.physicalLine, inlined: false)],
                           binary)
            let function = try XCTUnwrap(t.function(containing: report.physicalPC))
            XCTAssertEqual(function.name, "main.physical")
            XCTAssertEqual(function.entry, report.physicalEntry)
        }
    }

    func testExpandsInlinedCallsInnermostFirst() throws {
        for binary in try binaries() {
            let t = try table(binary)
            let report = try linkTimeReport(binary, t)
            let returnPC = try XCTUnwrap(report.stackPCs.first)
            guard report.frames.count >= 3 else { return XCTFail("runtime printed \(report.frames)") }
            let expected = report.frames.prefix(3).enumerated().map { i, frame in
                GoFrame(function: frame.function, file: frame.file, line: frame.line, inlined: i < 2)
            }
            XCTAssertEqual(expected.map(\.function), ["main.leaf", "main.middle", "main.outer"])
            // A return address: look up the call instruction before it, as the runtime does.
            XCTAssertEqual(t.frames(at: returnPC - 1), expected, binary)
            // The runtime's pc for an inlined frame's caller resolves to the rest of the chain.
            XCTAssertEqual(t.frames(at: report.frames[1].pc), Array(expected.dropFirst()), binary)
        }
    }

    func testSPDeltaIsZeroAtEntryAndTheFrameSizeInside() throws {
        for binary in try binaries() {
            let t = try table(binary)
            let report = try linkTimeReport(binary, t)
            XCTAssertEqual(t.spDelta(at: report.physicalEntry), 0, binary)
            let inside = try XCTUnwrap(t.spDelta(at: report.physicalPC), binary)
            XCTAssertGreaterThan(inside, 0)
            XCTAssertEqual(inside % 8, 0)
        }
    }

    func testStrippedBinariesResolveLikeThePlainOne() throws {
        let f = try GoFixture.get()
        let plain = try table(f.plain), stripped = try table(f.stripped)
        XCTAssertNotNil(plain.funcData)
        XCTAssertNotNil(stripped.funcData, "moduledata.gofunc not found in the stripped binary")
        // -s -w leaves the code alone, so every pc must resolve the same way.
        XCTAssertEqual(plain.functionCount, stripped.functionCount)
        var compared = 0
        for index in 0..<plain.functionCount {
            let function = try XCTUnwrap(plain.function(at: index))
            XCTAssertEqual(stripped.function(at: index), function)
            for pc in stride(from: function.entry, to: function.end, by: 11) {
                XCTAssertEqual(stripped.frames(at: pc), plain.frames(at: pc), "pc 0x\(String(pc, radix: 16))")
                XCTAssertEqual(stripped.spDelta(at: pc), plain.spDelta(at: pc))
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 1000)
    }

    /// `go tool addr2line` (debug/gosym) names the physical function and the
    /// innermost file:line; so must the first and last frames here.
    func testAgreesWithGoAddr2line() throws {
        let f = try GoFixture.get()
        let t = try table(f.stripped)
        let functions = (0..<t.functionCount).compactMap { t.function(at: $0) }
        let pcs = functions.enumerated().map { i, fn in fn.entry + UInt64(i * 7) % max(fn.end - fn.entry, 1) }
        let expected = try f.addr2line(f.plain, pcs)
        var checked = 0
        // addr2line prints a line <= 0 where the table has no position (padding, marker symbols).
        for (pc, (function, position)) in zip(pcs, expected) where (Int(position.split(separator: ":").last ?? "") ?? 0) > 0 {
            let frames = t.frames(at: pc)
            XCTAssertEqual(frames.last?.function, function, "pc 0x\(String(pc, radix: 16))")
            XCTAssertEqual(frames.first.map { "\($0.file ?? "?"):\($0.line ?? 0)" }, position, "pc 0x\(String(pc, radix: 16))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 500)
    }

    func testPCsOutsideTheTextResolveToNothing() throws {
        let t = try table(try GoFixture.get().stripped)
        XCTAssertEqual(t.frames(at: 0), [])
        XCTAssertNil(t.function(containing: UInt64.max))
        XCTAssertNil(t.spDelta(at: 0x10))
    }

    func testNonGoFilesAreNotGoTables() throws {
        // The test runner itself is an ELF file without .gopclntab.
        XCTAssertNil(try GoSymbolTable.load(elfPath: "/proc/self/exe"))
        let text = NSTemporaryDirectory() + "memhound-not-elf-\(getpid())"
        FileManager.default.createFile(atPath: text, contents: Data("hello, not an ELF file\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: text) }
        XCTAssertThrowsError(try GoSymbolTable.load(elfPath: text))
        XCTAssertThrowsError(try GoSymbolTable.load(elfPath: "/nonexistent/memhound"))
    }
}

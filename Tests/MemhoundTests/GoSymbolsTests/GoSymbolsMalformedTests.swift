import Foundation
@testable import MemhoundSymbols
import XCTest

/// Tables from a hostile container: every malformed input must throw or
/// resolve to nothing, never trap, hang or allocate without bound.
final class GoSymbolsMalformedTests: XCTestCase {
    private func fixtureBytes(_ version: GoPclntabVersion) -> [UInt8] {
        GoSymbolsFormatTests.fixture(version).build().pclntab
    }

    /// Exercises every query on a few pcs; the point is that it returns.
    private func query(_ t: GoSymbolTable, _ pcs: [UInt64]) {
        for pc in pcs {
            _ = t.frames(at: pc)
            _ = t.spDelta(at: pc)
            _ = t.function(containing: pc)
        }
        for index in [0, 1, t.functionCount / 2, t.functionCount - 1] { _ = t.function(at: index) }
    }

    func testRejectsUnknownMagics() {
        var bytes = fixtureBytes(.go120)
        bytes[0] = 0xF5
        XCTAssertThrowsError(try GoSymbolTable(pclntab: bytes)) {
            XCTAssertEqual($0 as? GoSymbolError, .unsupportedMagic(0xFFFF_FFF5))
        }
        XCTAssertThrowsError(try GoSymbolTable(pclntab: []))
    }

    func testRejectsTruncatedTables() throws {
        for version in GoSymbolsFormatTests.versions {
            let bytes = fixtureBytes(version)
            XCTAssertNoThrow(try GoSymbolTable(pclntab: bytes))
            // The header must be whole; later truncations lose lookups, not safety.
            let header = version == .go12 ? 16 : version == .go116 ? 64 : 72
            for length in 0..<bytes.count {
                if let t = try? GoSymbolTable(pclntab: Array(bytes.prefix(length))) {
                    XCTAssertGreaterThanOrEqual(length, header, "\(version)")
                    query(t, [0x40_1000, 0x40_1018, 0x40_1043])
                }
            }
        }
    }

    func testRejectsHugeCountsAndOffsets() {
        for version in [GoPclntabVersion.go116, .go118, .go120] {
            let fieldCount = version == .go116 ? 7 : 8
            for field in [0] + Array(2..<fieldCount) where !(version != .go116 && field == 2) {
                var bytes = fixtureBytes(version)
                for i in 0..<8 { bytes[8 + 8 * field + i] = 0xFF }
                XCTAssertThrowsError(try GoSymbolTable(pclntab: bytes), "\(version) field \(field)")
            }
        }
        var go12 = fixtureBytes(.go12)
        for i in 8..<16 { go12[i] = 0x7F }  // nfunc
        XCTAssertThrowsError(try GoSymbolTable(pclntab: go12))
    }

    func testOutOfRangeRecordFieldsResolveToNothing() throws {
        let built = GoSymbolsFormatTests.fixture(.go120).build()
        let clean = try GoSymbolTable(pclntab: built.pclntab)
        let base = try XCTUnwrap(GoFuncRecord(index: 0, data: clean.data, layout: clean.layout)).pcdataStart - 44
        func patched(_ fields: [Int]) throws -> GoSymbolTable {
            var bytes = built.pclntab
            for field in fields { for i in 0..<4 { bytes[base + field + i] = 0xFF } }
            return try GoSymbolTable(pclntab: bytes, funcData: built.funcData)
        }
        // nameOff, pcsp, pcfile, pcln of the first function point far outside the table.
        let t = try patched([4, 16, 20, 24])
        XCTAssertNil(t.function(containing: 0x40_1018))
        XCTAssertEqual(t.frames(at: 0x40_1018), [])
        XCTAssertNil(t.spDelta(at: 0x40_1018))
        XCTAssertEqual(t.frames(at: 0x40_1043).first?.function, "main.helper")
        // An absurd pcdata count rejects the record.
        XCTAssertEqual(try patched([28]).frames(at: 0x40_1018), [])
    }

    func testRandomByteFlipsInHandMadeTables() {
        var rng = SplitMix64(seed: 1)
        for version in GoSymbolsFormatTests.versions {
            let built = GoSymbolsFormatTests.fixture(version).build()
            for _ in 0..<1500 {
                var bytes = built.pclntab, memory = built.funcData
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if var m = memory, !m.bytes.isEmpty, Bool.random(using: &rng) {
                    m.bytes[Int.random(in: 0..<m.bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    memory = m
                }
                guard let t = try? GoSymbolTable(pclntab: bytes, funcData: memory) else { continue }
                query(t, stride(from: 0x40_0FF0, to: 0x40_1070, by: 5).map { $0 })
            }
        }
    }

    func testRandomByteFlipsInARealTable() throws {
        let f = try GoFixture.get()
        let real = try XCTUnwrap(try GoSymbolTable.load(elfPath: f.stripped))
        let pcs = stride(from: 0, to: real.functionCount, by: max(1, real.functionCount / 12))
            .compactMap { real.function(at: $0) }.flatMap { [$0.entry, $0.entry + 9, $0.end - 1] }
        var rng = SplitMix64(seed: 2)
        var loaded = 0
        for round in 0..<2000 {
            var bytes = real.data.bytes, memory = real.funcData
            // Half the flips hit the header and the start of the tables, where they do most harm.
            let span = round % 2 == 0 ? min(bytes.count, 4096) : bytes.count
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<span, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            if var m = memory, !m.bytes.isEmpty, round % 3 == 0 {
                for _ in 0..<16 { m.bytes[Int.random(in: 0..<min(m.bytes.count, 1 << 16), using: &rng)] ^= 0xFF }
                memory = m
            }
            guard let t = try? GoSymbolTable(pclntab: bytes, funcData: memory) else { continue }
            loaded += 1
            query(t, pcs)
        }
        XCTAssertGreaterThan(loaded, 100)
    }

    func testMalformedElfFilesNeverCrash() throws {
        let f = try GoFixture.get()
        let original = try Data(contentsOf: URL(fileURLWithPath: f.stripped))
        let path = f.directory + "/mangled-elf"
        FileManager.default.createFile(atPath: path, contents: original)
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? file.close() }
        let headers = Int(original.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0x28, as: UInt64.self) })
        var rng = SplitMix64(seed: 3)
        for round in 0..<300 {
            // The ELF header or the section headers (sizes, offsets, names).
            let start = round % 3 == 0 ? 0 : headers
            let end = round % 3 == 0 ? 64 : original.count
            var patches: [(Int, UInt8)] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                patches.append((Int.random(in: start..<end, using: &rng), UInt8.random(in: 0...255, using: &rng)))
            }
            for (at, byte) in patches { try file.seek(toOffset: UInt64(at)); file.write(Data([byte])) }
            if let t = try? GoSymbolTable.load(elfPath: path) { query(t, [0x40_1000, 0x40_2000]) }
            for (at, _) in patches.reversed() { try file.seek(toOffset: UInt64(at)); file.write(original[at..<at + 1]) }
        }
        XCTAssertNotNil(try GoSymbolTable.load(elfPath: path), "restored file must load again")
    }
}

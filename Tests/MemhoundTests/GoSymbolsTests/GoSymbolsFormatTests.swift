@testable import MemhoundSymbols
import XCTest

/// Every pclntab format, on hand-made tables: Go 1.2 (0xfffffffb), 1.16
/// (0xfffffffa), 1.18 (0xfffffff0) and 1.20+ (0xfffffff1).
final class GoSymbolsFormatTests: XCTestCase {
    static let versions: [GoPclntabVersion] = [.go12, .go116, .go118, .go120]

    /// outer (0x40 bytes) has leaf inlined into middle inlined into it at
    /// [0x10, 0x20) and middle alone at [0x20, 0x30); helper follows.
    static func fixture(_ version: GoPclntabVersion) -> PclntabFixture {
        let outer = PclntabFixture.Function(
            name: "main.outer", size: 0x40,
            pcsp: [(4, 0), (0x3C, 24), (0x40, 0)],
            pcfile: [(0x10, 0), (0x20, 1), (0x40, 0)],
            pcln: [(0x10, 10), (0x20, 30), (0x30, 20), (0x40, 11)],
            inlineIndex: [(0x10, -1), (0x20, 1), (0x30, 0), (0x40, -1)])
        let helper = PclntabFixture.Function(name: "main.helper", size: 0x20, pcsp: [(0x20, 0)],
                                             pcfile: [(0x20, 1)], pcln: [(0x20, 42)])
        return PclntabFixture(version: version, files: ["/src/main.go", "/src/leaf.go"], functions: [outer, helper],
                              inlineTree: [.init(name: "main.middle", parentPC: 0x08), .init(name: "main.leaf", parentPC: 0x28)])
    }

    static func table(_ version: GoPclntabVersion, withFuncData: Bool = true) throws -> GoSymbolTable {
        let built = fixture(version).build()
        return try GoSymbolTable(pclntab: built.pclntab, funcData: withFuncData ? built.funcData : nil)
    }

    func testReadsTheMagicOfEachFormat() throws {
        let magics: [UInt32] = [0xFFFF_FFFB, 0xFFFF_FFFA, 0xFFFF_FFF0, 0xFFFF_FFF1]
        for (version, magic) in zip(Self.versions, magics) {
            let t = try Self.table(version)
            XCTAssertEqual(t.goVersionMagic, magic)
            XCTAssertEqual(t.version, version)
            XCTAssertEqual(t.functionCount, 2)
        }
    }

    func testFindsFunctionsByPC() throws {
        for version in Self.versions {
            let t = try Self.table(version)
            XCTAssertEqual(t.function(containing: 0x40_1005), GoFunction(name: "main.outer", entry: 0x40_1000, end: 0x40_1040), "\(version)")
            XCTAssertEqual(t.function(containing: 0x40_1040), GoFunction(name: "main.helper", entry: 0x40_1040, end: 0x40_1060))
            XCTAssertEqual(t.function(at: 1), t.function(containing: 0x40_105F))
            XCTAssertNil(t.function(containing: 0x40_1060))
            XCTAssertNil(t.function(containing: 0x40_0FFF))
            XCTAssertNil(t.function(at: 2))
        }
    }

    func testReadsSPDeltaFileAndLine() throws {
        for version in Self.versions {
            let t = try Self.table(version)
            XCTAssertEqual(t.spDelta(at: 0x40_1000), 0, "\(version)")
            XCTAssertEqual(t.spDelta(at: 0x40_1010), 24)
            XCTAssertEqual(t.spDelta(at: 0x40_103C), 0)
            XCTAssertEqual(t.frames(at: 0x40_1043), [GoFrame(function: "main.helper", file: "/src/leaf.go", line: 42, inlined: false)])
            XCTAssertEqual(t.frames(at: 0x40_1008), [GoFrame(function: "main.outer", file: "/src/main.go", line: 10, inlined: false)])
        }
    }

    func testExpandsInlineTreesFromGo116On() throws {
        let expected = [
            GoFrame(function: "main.leaf", file: "/src/leaf.go", line: 30, inlined: true),
            GoFrame(function: "main.middle", file: "/src/main.go", line: 20, inlined: true),
            GoFrame(function: "main.outer", file: "/src/main.go", line: 10, inlined: false),
        ]
        for version in [GoPclntabVersion.go116, .go118, .go120] {
            XCTAssertEqual(try Self.table(version).frames(at: 0x40_1018), expected, "\(version)")
            XCTAssertEqual(try Self.table(version).frames(at: 0x40_1028), Array(expected.dropFirst()), "\(version)")
            // Without the funcdata memory only the physical function is known.
            XCTAssertEqual(try Self.table(version, withFuncData: false).frames(at: 0x40_1018),
                           [GoFrame(function: "main.outer", file: "/src/leaf.go", line: 30, inlined: false)])
        }
        // Go 1.2's inline tree slot moved within the format: not expanded.
        XCTAssertEqual(try Self.table(.go12).frames(at: 0x40_1018),
                       [GoFrame(function: "main.outer", file: "/src/leaf.go", line: 30, inlined: false)])
    }

    func testInlineCyclesStop() throws {
        for version in [GoPclntabVersion.go116, .go120] {
            var f = Self.fixture(version)
            // leaf's call site points back into leaf, and middle's at itself.
            f.inlineTree = [.init(name: "main.middle", parentPC: 0x28), .init(name: "main.leaf", parentPC: 0x18)]
            let built = f.build()
            let t = try GoSymbolTable(pclntab: built.pclntab, funcData: built.funcData)
            XCTAssertEqual(t.frames(at: 0x40_1018).map(\.function), ["main.leaf", "main.outer"])
            XCTAssertEqual(t.frames(at: 0x40_1020).map(\.function), ["main.middle", "main.outer"])
        }
    }

    func testTextStartFillsAZeroGo118Header() throws {
        for version in [GoPclntabVersion.go118, .go120] {
            var bytes = Self.fixture(version).build().pclntab
            for i in 24..<32 { bytes[i] = 0 }  // pcHeader.textStart, left for a relocation
            XCTAssertEqual(try GoSymbolTable(pclntab: bytes).function(containing: 0x5)?.name, "main.outer")
            let t = try GoSymbolTable(pclntab: bytes, textStart: 0x40_1000)
            XCTAssertEqual(t.function(containing: 0x40_1045)?.name, "main.helper")
        }
    }
}

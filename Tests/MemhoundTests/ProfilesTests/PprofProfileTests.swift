import MemhoundOutput
@testable import MemhoundProfiles
import XCTest

/// Builds pprof profiles from synthetic final reports, writes them as pprof files are written
/// (gzipped protobuf), decodes them back and checks what readers such as go tool pprof rely on.
final class PprofProfileTests: XCTestCase {
    typealias F = ProfileFixtures

    func decoded(_ reports: [ReportLine], main: String? = nil) throws -> Perftools_Profiles_Profile {
        let file = try PprofProfile.encoded(reports, mainExecutable: main)
        XCTAssertEqual(Array(file.prefix(2)), [0x1f, 0x8b], "pprof files are gzip streams")
        return try PprofProfile.decode(file)
    }

    func testSampleTypesFollowGoHeapProfiles() throws {
        let p = try decoded([F.main])
        let s = p.stringTable
        XCTAssertEqual(s.first, "", "string_table[0] must be empty")
        XCTAssertEqual(p.sampleType.map { "\(s[Int($0.type)])/\(s[Int($0.unit)])" },
                       ["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"])
        XCTAssertEqual(s[Int(p.defaultSampleType)], "inuse_space")
        XCTAssertEqual(p.durationNanos, 6_500_000_000)
        let end = try XCTUnwrap(PprofProfile.timestamp("2026-12-02T00:00:10.000Z"))
        XCTAssertEqual(p.timeNanos, Int64((end - 6.5) * 1e9))
    }

    func testSampleValuesAreTheSitesFigures() throws {
        let p = try decoded([F.main])
        XCTAssertEqual(p.sample.count, 3)
        XCTAssertEqual(p.sample[0].value, [12288, 48 << 20, 12288, 48 << 20])
        // A quarter of the heap site's bytes are still resident: a quarter of its increments.
        XCTAssertEqual(p.sample[1].value, [1024, 4 << 20, 256, 1 << 20])
        XCTAssertEqual(p.sample[2].value, [2, 8192, 2, 8192])
    }

    func testInlinedFramesAreLinesOfTheirCallersLocation() throws {
        let p = try decoded([F.main])
        let leak = p.sample[0]
        XCTAssertEqual(leak.locationID.count, 2, "cache_insert shares grow_cache's location; main has its own")
        let first = try location(p, leak.locationID[0])
        XCTAssertEqual(first.address, 0x55d0_c1a0_11c9)
        XCTAssertEqual(first.line.map { try? functionName(p, $0.functionID) }, ["cache_insert", "grow_cache"],
                       "innermost first, the function inlined into last")
        XCTAssertEqual(first.line.map { $0.line }, [12, 31])
        let grow = try function(p, first.line[1].functionID)
        XCTAssertEqual(p.stringTable[Int(grow.systemName)], "_Z10grow_cachem")
        XCTAssertEqual(p.stringTable[Int(grow.filename)], "app.c")
        XCTAssertEqual(grow.startLine, 0)
        let caller = try location(p, leak.locationID[1])
        XCTAssertEqual(caller.line.map { try? functionName(p, $0.functionID) }, ["main"])
        XCTAssertEqual(caller.line.map { $0.line }, [80])
    }

    func testMappingsCarryModuleAndBuildID() throws {
        let p = try decoded([F.main])
        let app = try mapping(p, named: "/usr/bin/app")
        XCTAssertEqual(p.stringTable[Int(app.buildID)], F.appBuildID)
        XCTAssertEqual(app.memoryStart, 0x55d0_c1a0_11c9, "the lowest address seen in it")
        XCTAssertEqual(app.memoryLimit, 0x55d0_c1a0_1311)
        XCTAssertEqual(app.fileOffset, 0x11c9)
        XCTAssertTrue(app.hasInlineFrames_p)
        XCTAssertTrue(app.hasLineNumbers_p)
        XCTAssertFalse(app.hasFunctions_p, "one of its frames has no symbol")
        let libc = try mapping(p, named: "/usr/lib/x86_64-linux-gnu/libc.so.6")
        XCTAssertEqual(p.stringTable[Int(libc.buildID)], "aa55")
        XCTAssertTrue(libc.hasFunctions_p)
        XCTAssertFalse(libc.hasInlineFrames_p)
        let leaf = try location(p, p.sample[1].locationID[0])
        XCTAssertEqual(leaf.mappingID, libc.id)
        let unnamed = try location(p, p.sample[1].locationID[1])
        XCTAssertEqual(unnamed.mappingID, app.id)
        XCTAssertEqual(try functionName(p, unnamed.line[0].functionID), "app+0x1250")
    }

    func testMainExecutableIsTheFirstMapping() throws {
        let heapOnly = F.report(pid: 1, comm: "app", sites: [F.heap])
        XCTAssertEqual(firstMapping(try decoded([heapOnly])), "/usr/lib/x86_64-linux-gnu/libc.so.6")
        XCTAssertEqual(firstMapping(try decoded([heapOnly], main: "/usr/bin/app")), "/usr/bin/app")
    }

    func testEachSampleIsLabelledWithItsProcess() throws {
        let p = try decoded([F.main, F.child])
        XCTAssertEqual(p.sample.map { labels($0, p)["pid"] }, ["4242", "4242", "4242", "4243"])
        XCTAssertEqual(p.sample.map { labels($0, p)["comm"] }, ["app", "app", "app", "worker"])
        XCTAssertEqual(labels(p.sample[1], p)["category"], "malloc_heap")
        // Runtime addresses are per process: the child's frames are in a mapping of its own.
        let mainApp = try location(p, p.sample[0].locationID[0]).mappingID
        let childApp = try location(p, p.sample[3].locationID[0]).mappingID
        XCTAssertNotEqual(mainApp, childApp)
        XCTAssertEqual(p.durationNanos, 6_500_000_000, "the longest process")
    }

    func testAnUnreadableNameIsNoCommLabel() throws {
        let p = try decoded([F.report(pid: 7, comm: nil, sites: [F.leak])])
        XCTAssertEqual(labels(p.sample[0], p), ["pid": "7", "category": "off_heap_mmap"])
    }

    func testStackNotCapturedStillShowsItsBytes() throws {
        let p = try decoded([F.main])
        let ids = p.sample[2].locationID
        XCTAssertEqual(ids.count, 1)
        let l = try location(p, ids[0])
        XCTAssertEqual(l.mappingID, 0)
        XCTAssertEqual(try functionName(p, l.line[0].functionID), "[stack not captured]")
    }

    func testIdsAreUniqueAndReferencesResolve() throws {
        let p = try decoded([F.main, F.child])
        for ids in [p.mapping.map { $0.id }, p.location.map { $0.id }, p.function.map { $0.id }] {
            XCTAssertEqual(Set(ids).count, ids.count)
            XCTAssertFalse(ids.contains(0))
        }
        for sample in p.sample {
            XCTAssertEqual(sample.value.count, p.sampleType.count)
            for id in sample.locationID { XCTAssertNoThrow(try location(p, id)) }
        }
        let strings = p.stringTable.count
        for f in p.function { XCTAssertLessThan(Int(f.name), strings) }
    }

    func testNoReportsIsAnEmptyProfile() throws {
        let p = try decoded([])
        XCTAssertTrue(p.sample.isEmpty)
        XCTAssertEqual(p.sampleType.count, 4)
    }

    // MARK: - lookups

    struct Missing: Error { var what: String }

    func location(_ p: Perftools_Profiles_Profile, _ id: UInt64) throws -> Perftools_Profiles_Location {
        guard let l = p.location.first(where: { $0.id == id }) else { throw Missing(what: "location \(id)") }
        return l
    }

    func function(_ p: Perftools_Profiles_Profile, _ id: UInt64) throws -> Perftools_Profiles_Function {
        guard let f = p.function.first(where: { $0.id == id }) else { throw Missing(what: "function \(id)") }
        return f
    }

    func functionName(_ p: Perftools_Profiles_Profile, _ id: UInt64) throws -> String {
        p.stringTable[Int(try function(p, id).name)]
    }

    func mapping(_ p: Perftools_Profiles_Profile, named name: String) throws -> Perftools_Profiles_Mapping {
        guard let m = p.mapping.first(where: { p.stringTable[Int($0.filename)] == name }) else {
            throw Missing(what: "mapping \(name)")
        }
        return m
    }

    func firstMapping(_ p: Perftools_Profiles_Profile) -> String? { p.mapping.first.map { p.stringTable[Int($0.filename)] } }

    func labels(_ s: Perftools_Profiles_Sample, _ p: Perftools_Profiles_Profile) -> [String: String] {
        Dictionary(s.label.map { (p.stringTable[Int($0.key)], p.stringTable[Int($0.str)]) }, uniquingKeysWith: { a, _ in a })
    }
}

import Foundation
import MemhoundAgent
@testable import MemhoundOutput
import MemhoundProc
import XCTest

/// defs.schema.json's `cgroup_memory` and `pressure`, which lines embed: each encoded value is wrapped in a
/// line of a test-only line.schema.json (in a temporary schema directory next to a copy of the defs) whose
/// `value` refers to the definition.
extension SchemaTests {
    static let definitionWrapper = """
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "line.schema.json",
         "type": "object", "required": ["type", "value"], "additionalProperties": false,
         "properties": {"type": {"enum": ["cgroup_memory", "pressure"]}, "value": true},
         "allOf": [
           {"if": {"properties": {"type": {"const": "cgroup_memory"}}},
            "then": {"properties": {"value": {"$ref": "defs.schema.json#/$defs/cgroup_memory"}}}},
           {"if": {"properties": {"type": {"const": "pressure"}}},
            "then": {"properties": {"value": {"$ref": "defs.schema.json#/$defs/pressure"}}}}]}
        """

    /// Validates `{"type": definition, "value": value}` lines against the definitions; the script's result.
    func validateDefinitions(_ values: [(String, any Encodable)]) throws -> (status: Int32, errors: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("defs-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.repo.appendingPathComponent("docs/schema/defs.schema.json"),
                                         to: dir.appendingPathComponent("defs.schema.json"))
        try Self.definitionWrapper.write(to: dir.appendingPathComponent("line.schema.json"), atomically: true,
                                         encoding: .utf8)
        let encoder = LineWriter.makeEncoder()
        let lines = try values.map { name, value in
            "{\"type\":\"\(name)\",\"value\":" + String(decoding: try encoder.encode(value), as: UTF8.self) + "}"
        }
        let input = dir.appendingPathComponent("values.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        return try validate("", arguments: ["--schema-dir", dir.path, input.path])
    }

    func testCgroupMemoryAndPressureMatchTheirDefinitions() throws {
        let full = CgroupMemoryInfo(CgroupMemoryOutputTests.fullDetail(version: 2))
        let pressure = try XCTUnwrap(full.pressure)
        let result = try validateDefinitions([
            ("cgroup_memory", full), ("cgroup_memory", CgroupMemoryInfo()),
            ("cgroup_memory", CgroupMemoryInfo(stat: .init(), events: .init())), ("pressure", pressure),
        ])
        XCTAssertEqual(result.status, 0, result.errors)
    }

    /// The definitions are closed and `pressure` needs both lines, like the line schemas.
    func testCgroupMemoryDefinitionsAreClosed() throws {
        struct Extra: Encodable { var usage: UInt64 = 1; var rss: UInt64 = 2 }
        struct SomeOnly: Encodable { var some = PressureInfo.Stall(avg10: 0, avg60: 0, avg300: 0, totalUs: 0) }
        for (name, value) in [("cgroup_memory", Extra() as any Encodable), ("pressure", SomeOnly())] {
            let result = try validateDefinitions([(name, value)])
            XCTAssertEqual(result.status, 1, "\(name): \(result.errors)")
        }
        let over = PressureInfo(some: .init(avg10: 101, avg60: 0, avg300: 0, totalUs: 0),
                                full: .init(avg10: 0, avg60: 0, avg300: 0, totalUs: 0))
        XCTAssertEqual(try validateDefinitions([("pressure", over)]).status, 1, "a percentage over 100")
    }
}

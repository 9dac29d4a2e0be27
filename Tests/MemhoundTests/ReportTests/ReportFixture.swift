import Foundation
import XCTest

/// Fixtures/report/leaker-run.jsonl: `memhound run --interval 1 --top 5 --events mmap,munmap,tcp -- leaker
/// --steps 12 --step-mib 4 --step-ms 400 --churn-mib 2 --heap-mib 3 --fork --then exit`, recorded for real,
/// trimmed to three mmap and three munmap lines. grow_cache keeps 48 MiB; the forked child's child_grow 16 MiB.
enum ReportFixture {
    static let mainPid: Int32 = 13682
    static let childPid: Int32 = 13683

    static func url() throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/report/leaker-run", withExtension: "jsonl"))
    }

    static func text() throws -> String { try String(contentsOf: url(), encoding: .utf8) }

    /// The fixture with every `old` replaced by `new` (e.g. a frame name an attacker chose).
    static func text(replacing old: String, with new: String) throws -> String {
        let result = try text().replacingOccurrences(of: old, with: new)
        XCTAssertNotEqual(result, try text(), "the fixture has no \(old)")
        return result
    }

    /// `value` as a JSON string literal, quotes and escapes included.
    static func json(_ value: String) -> String {
        String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
    }

    /// The main process's final report as a Go program's whose malloc_heap sites C code grew through cgo.
    static func withCgo() throws -> String {
        let lines = try text().split(separator: "\n").map(String.init)
        let final = try XCTUnwrap(lines.lastIndex { $0.contains(#""final":true"#) && $0.contains(#""pid":\#(mainPid)"#) })
        var changed = lines
        changed[final] = lines[final]
            .replacingOccurrences(of: #""category":"malloc_heap","#, with: #""category":"malloc_heap","cgo":true,"#)
            .replacingOccurrences(of: #""comm":"leaker","#, with: #""cgo_bytes":3145728,"comm":"leaker","#)
        XCTAssertTrue(changed[final].contains(#""cgo":true"#) && changed[final].contains("cgo_bytes"))
        return changed.joined(separator: "\n") + "\n"
    }

    /// The final report of the main process has one TCP connection with 3 retransmits.
    static func withRetransmits() throws -> String {
        let lines = try text().split(separator: "\n").map(String.init)
        let empty = #""tcp":{"connections":[],"failed":0,"lost":0,"other_connections":0,"retransmits":0,"segments":0,"synack":0,"unattributed":0}"#
        let tcp = #""tcp":{"connections":[{"daddr":"10.77.0.2","dport":5001,"failed":1,"family":"ipv4","kernel_retrans":3,"missed":0,"#
            + #""retransmits":3,"saddr":"10.77.0.1","segments":2,"sport":47456,"state":"ESTABLISHED","synack":0}],"#
            + #""failed":1,"lost":0,"other_connections":0,"retransmits":3,"segments":2,"synack":0,"unattributed":0}"#
        let final = try XCTUnwrap(lines.lastIndex { $0.contains(#""final":true"#) && $0.contains(#""pid":\#(mainPid)"#) })
        var changed = lines
        changed[final] = lines[final].replacingOccurrences(of: empty, with: tcp)
        XCTAssertNotEqual(changed[final], lines[final])
        return changed.joined(separator: "\n") + "\n"
    }
}

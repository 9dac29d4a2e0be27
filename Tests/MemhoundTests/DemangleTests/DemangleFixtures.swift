import Foundation
import XCTest

/// Pairs of (mangled, demangled) from Fixtures/demangle/*.tsv.
enum DemangleFixtures {
    static func pairs(_ name: String) throws -> [(mangled: String, demangled: String)] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/demangle/" + name, withExtension: "tsv"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard fields.count == 2 else { throw CocoaError(.fileReadCorruptFile) }
            return (fields[0], fields[1])
        }
    }
}

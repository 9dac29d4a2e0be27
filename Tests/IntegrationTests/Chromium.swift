// Headless Chromium for checking memhound report's HTML page as a browser shows it (after its script ran).
import Foundation
import XCTest

enum Chromium {
    static func path() throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            if let found = dirs.map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
                return found
            }
        }
        let reason = "chromium not found (scripts/setup installs it)"
        if ProcessInfo.processInfo.environment["CI"] == "true" { throw FixtureError(message: reason) }
        throw XCTSkip(reason)
    }

    /// The page's DOM after its scripts ran, serialized.
    static func dumpDOM(_ page: URL, profile: URL) throws -> String {
        let outcome = try run(["--dump-dom", page.absoluteString], profile: profile)
        guard outcome.status == 0, !outcome.stdout.isEmpty else { throw FixtureError(message: "chromium --dump-dom failed: \(outcome.summary)") }
        return outcome.stdout
    }

    /// A 1280x2000 screenshot of the page.
    static func screenshot(_ page: URL, to png: URL, profile: URL) throws {
        try? FileManager.default.removeItem(at: png)
        let outcome = try run(["--screenshot=\(png.path)", "--window-size=1280,2000", page.absoluteString], profile: profile)
        guard outcome.status == 0 else { throw FixtureError(message: "chromium --screenshot failed: \(outcome.summary)") }
    }

    private static func run(_ arguments: [String], profile: URL) throws -> Outcome {
        // A profile of its own: a browser already running elsewhere must not take the request.
        try Spawned(try path(), ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                 "--user-data-dir=\(profile.path)"] + arguments).finish(timeout: 90)
    }
}

/// A PNG's width and height from its IHDR chunk; nil when the bytes are not a PNG.
func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
          bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { return nil }
    func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20))
}

import Foundation
@testable import MemhoundSymbols
import XCTest

/// Names come from binaries a hostile container controls: garbage must give
/// nil or some text, never a crash, a hang or unbounded output.
final class DemangleRobustnessTests: XCTestCase {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$.")

    private func realNames() throws -> [String] {
        try (DemangleFixtures.pairs("rust-v0") + DemangleFixtures.pairs("rust-legacy")).map(\.mangled) + [
            "_ZNSt6vectorIiSaIiEE9push_backERKi", "_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_",
            "$s15MemhoundSymbols10GoByteViewV2u8ys5UInt8VSgSiF", "_$sSS", "$sSaySiGD",
        ]
    }

    /// The Swift runtime's demangler aborts on this name (found by scripts/fuzz): memhound must survive it.
    func testSwiftNameThatAbortsTheRuntimeDemanglerLeavesItMangled() {
        XCTAssertNil(Demangler.demangle("$sRv_"))
        XCTAssertNil(Demangler.demangle("$sRv_"), "cached")
        XCTAssertEqual(Demangler.demangle("$s8memhound12DemoWorkloadV3runyyKF"), "memhound.DemoWorkload.run() throws -> ()")
    }

    func testEveryPrefixOfRealNames() throws {
        for name in try realNames() {
            let chars = Array(name)
            for length in 0..<chars.count { _ = Demangler.demangle(String(chars[..<length])) }
        }
    }

    func testMutatedRealNames() throws {
        var rng = SplitMix64(seed: 11)
        for name in try realNames() {
            for _ in 0..<40 {
                var chars = Array(name)
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<chars.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: chars[at] = Self.alphabet.randomElement(using: &rng)!
                    case 1: chars.insert(Self.alphabet.randomElement(using: &rng)!, at: at)
                    default: if chars.count > 3 { chars.remove(at: at) }
                    }
                }
                _ = Demangler.demangle(String(chars))
            }
        }
    }

    func testRandomStrings() {
        var rng = SplitMix64(seed: 12)
        let prefixes = ["_R", "_RN", "_RI", "_ZN", "_Z", "$s", "_$s", "$S", "_T0", ""]
        for _ in 0..<20_000 {
            let body = (0..<Int.random(in: 0...120, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! }
            _ = Demangler.demangle(prefixes.randomElement(using: &rng)! + String(body))
        }
    }

    func testRandomBytes() {
        var rng = SplitMix64(seed: 13)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 1...255, using: &rng) }
            _ = Demangler.demangle("_R" + String(decoding: bytes, as: UTF8.self))
            _ = Demangler.demangle("_Z" + String(decoding: bytes, as: UTF8.self))
        }
    }

    func testBackrefsMustPointBackwards() {
        XCTAssertNil(Demangler.demangle("_RB_"))
        XCTAssertNil(Demangler.demangle("_RNvB5_3foo"))
        XCTAssertNil(Demangler.demangle("_RINvC1a1fB9_E"))
    }

    /// Each tuple holds the previous one twice: 40 levels would print 2^40
    /// copies. The output cap ends it at once.
    func testExponentialBackrefsAreCut() {
        var symbol = "INvC1a1f" + "TuuE"
        var previous = 8  // position of the first tuple, counted after "_R"
        for _ in 0..<40 {
            let position = symbol.utf8.count
            let ref = "B" + Self.base62(previous)
            symbol += "T" + ref + ref + "E"
            previous = position
        }
        let start = Date()
        XCTAssertNil(Demangler.demangle("_R" + symbol + "E"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    /// Deep nesting is refused before the stack runs out, even on a thread
    /// with a small stack.
    func testDeepNestingOnASmallStack() {
        // Whether each demangles; nil: either way, as long as it returns.
        let cases: [(String, Bool?)] = [
            ("_RINvC1a1f" + String(repeating: "R", count: 3000) + "uE", false),
            ("_RINvC1a1f" + String(repeating: "R", count: 60) + "uE", true),
            ("_Z1fP" + String(repeating: "P", count: 4000) + "i", nil),
            ("$s" + String(repeating: "Sa", count: 1500) + "SiD", nil),
        ]
        for (name, demangles) in cases {
            let result = ResultBox()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread { result.value = Demangler.demangle(name); done.signal() }
            thread.stackSize = 512 << 10
            thread.start()
            done.wait()
            if let demangles { XCTAssertEqual(result.value != nil, demangles, String(name.prefix(20))) }
        }
    }

    /// Written by the thread before it signals, read after the wait.
    private final class ResultBox: @unchecked Sendable {
        var value: String?
    }

    static func base62(_ value: Int) -> String {
        guard value > 0 else { return "_" }
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var n = value - 1, out = ""
        repeat { out = String(digits[n % 62]) + out; n /= 62 } while n > 0
        return out + "_"
    }
}

@testable import MemhoundSymbols
import XCTest

final class DemangleTests: XCTestCase {
    private func check(_ cases: [(String, String?)], file: StaticString = #filePath, line: UInt = #line) {
        for (mangled, expected) in cases {
            XCTAssertEqual(Demangler.demangle(mangled), expected, mangled, file: file, line: line)
        }
    }

    func testCxxNamesThroughLibstdcxx() {
        check([
            ("_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)"),
            ("_Z3fooPFviEz", "foo(void (*)(int), ...)"),
            ("_ZN5outer5innerIJidEE3runEv.cold", "outer::inner<int, double>::run() [clone .cold]"),
            ("_ZNKSt5ctypeIwE10do_tolowerEPwPKw", "std::ctype<wchar_t>::do_tolower(wchar_t*, wchar_t const*) const"),
            ("_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_",
             "std::basic_ostream<char, std::char_traits<char> >& std::endl<char, std::char_traits<char> >(std::basic_ostream<char, std::char_traits<char> >&)"),
            // Itanium-shaped but without a Rust hash: C++.
            ("_ZN3foo3barE", "foo::bar"),
            ("_ZN3foo3barEv", "foo::bar()"),
        ])
    }

    func testSwiftNamesThroughTheSwiftRuntime() {
        check([
            ("$sSS", "Swift.String"),
            ("_$sSS", "Swift.String"),
            ("$sSaySiGD", "Swift.Array<Swift.Int>"),
            ("$s15MemhoundSymbols10GoByteViewV2u8ys5UInt8VSgSiF", "MemhoundSymbols.GoByteView.u8(Swift.Int) -> Swift.Optional<Swift.UInt8>"),
            ("$s15MemhoundSymbols10GoFunctionV3ends6UInt64Vvg", "MemhoundSymbols.GoFunction.end.getter : Swift.UInt64"),
        ])
    }

    func testPlainNamesAreNotMangled() {
        check([("main", nil), ("memset", nil), ("", nil), ("_Z", nil), ("_R", nil), ("$", nil), ("runtime.mallocgc", nil)])
        // Over the length cap: left mangled.
        XCTAssertNil(Demangler.demangle("_ZN3foo" + String(repeating: "x", count: Demangler.maxMangledLength) + "E"))
    }

    func testRustLegacyNames() throws {
        let pairs = try DemangleFixtures.pairs("rust-legacy")
        XCTAssertGreaterThan(pairs.count, 100)
        for (mangled, demangled) in pairs { XCTAssertEqual(Demangler.demangle(mangled), demangled, mangled) }
        check([
            ("_ZN4core3fmt5Write9write_fmt17h0123456789abcdefE", "core::fmt::Write::write_fmt"),
            ("_ZN4core3fmt5Write9write_fmt17h0123456789abcdefE.llvm.9876", "core::fmt::Write::write_fmt"),
            ("_ZN58_$LT$alloc..string..String$u20$as$u20$core..fmt..Debug$GT$3fmt17h00112233445566ffE",
             "<alloc::string::String as core::fmt::Debug>::fmt"),
            ("_ZN3foo8$u1f980$17h0000000000000000E", "foo::🦀"),
            ("_ZN3foo6_$u2a$17h0000000000000000E", "foo::*"),
            // An unknown escape is left as it is.
            ("_ZN3foo6$XX$ab17h0000000000000000E", "foo::$XX$ab"),
        ])
    }

    func testRustV0Names() throws {
        let pairs = try DemangleFixtures.pairs("rust-v0")
        XCTAssertGreaterThan(pairs.count, 100)
        for (mangled, demangled) in pairs { XCTAssertEqual(Demangler.demangle(mangled), demangled, mangled) }
    }

    /// The examples of RFC 2603 (text and Appendix B).
    func testRustV0RFCExamples() {
        check([
            ("_RNvNtCs1234_7mycrate3foo3bar", "mycrate::foo::bar"),
            ("_RINvNtC3std3mem8align_ofdE", "std::mem::align_of::<f64>"),
            ("_RINvNtC3std3mem8align_ofjE", "std::mem::align_of::<usize>"),
            ("_RINvNtC3std3mem8align_ofRcE", "std::mem::align_of::<&char>"),
            ("_RINvNtC3std3mem8align_ofNtNtC3std3mem12DiscriminantE", "std::mem::align_of::<std::mem::Discriminant>"),
            ("_RINvNtC3std3mem8align_ofQTReuEE", "std::mem::align_of::<&mut (&str, ())>"),
            ("_RINvNtC3std3mem8align_ofjEC3foo", "std::mem::align_of::<usize>"),
            ("_RNCNvNtC7mycrate3foo3bar0", "mycrate::foo::bar::{closure#0}"),
            ("_RNCNvNtC7mycrate3foo3bars_0", "mycrate::foo::bar::{closure#1}"),
            ("_RNvNvXs2_C7mycrateINtC7mycrate3FoopEINtNtC3std7convert4FrompE4from3MSG",
             "<mycrate::Foo<_> as std::convert::From<_>>::from::MSG"),
            ("_RNvNtNtC7mycrateu8gdel_Fqa6escher4bach", "mycrate::gödel::escher::bach"),
            // The RFC's backref examples count positions from `_`; rustc (and this
            // demangler) count them after `_R`, so they are shifted by two here.
            ("_RINtNtC3std4iter5ChainINtB2_3ZipINtNtB4_3vec8IntoItermEBu_EE",
             "std::iter::Chain::<std::iter::Zip<std::vec::IntoIter<u32>, std::vec::IntoIter<u32>>>"),
            ("_RNvNtNtCs1234_7mycrate3foo3bar3baz", "mycrate::foo::bar::baz"),
            ("_RNvNvMCs1234_7mycrateINtCs1234_7mycrate3FoopE3bar4QUUX", "<mycrate::Foo<_>>::bar::QUUX"),
            ("_RNvNvXCs1234_7mycrateINtCs1234_7mycrate3FoopENtNtC3std5clone5Clone5clone4QUUX",
             "<mycrate::Foo<_> as std::clone::Clone>::clone::QUUX"),
            ("_RNvNvCs1234_7mycrate4QUUX3FOO", "mycrate::QUUX::FOO"),
            ("_RINvCs1234_7mycrate3fooNvB2_3barNvBl_3bazE", "mycrate::foo::<mycrate::bar, mycrate::bar::baz>"),
            ("_RINxC3std3fooTNyB2_3BarBc_EBb_E", "std::foo::<(std::Bar, std::Bar), (std::Bar, std::Bar)>"),
        ])
    }

    func testRustV0Punycode() {
        // RFC 2603's table (digits remapped to A-J) and rustc's own form.
        for (encoded, text) in [("f_Fgaa", "føø"), ("__ylbHe", "α_ω"), ("nIEamf", "铁锈"), ("fqJh", "🤦"),
                                ("Cxaedc", "ρυστ"), ("bbrz78b", "函数")] {
            XCTAssertEqual(RustPunycode.decode(encoded), text, encoded)
        }
        XCTAssertNil(RustPunycode.decode("a_!!"))
        XCTAssertNil(RustPunycode.decode("zzzzzzzzzzzzzzzzzzzz"))
    }
}

import XCTest
@testable import PushCore

final class QueryStringTests: XCTestCase {
    private func pairs(_ query: String) -> [String]? {
        QueryString.parse(query).map { $0.map { "\($0.0)=\($0.1)" } }
    }

    func testParse() {
        XCTAssertEqual(pairs("a=1&b=%20x+y"), ["a=1", "b= x y"])
        XCTAssertEqual(pairs(""), [])
        XCTAssertEqual(pairs("EIO=4&transport=polling&t=OqY3x2a"), ["EIO=4", "transport=polling", "t=OqY3x2a"])
        XCTAssertEqual(pairs("flag&x="), ["flag=", "x="])
        XCTAssertEqual(pairs("&&a=1&&"), ["a=1"])
        XCTAssertEqual(pairs("a=b=c"), ["a=b=c"])
        XCTAssertEqual(pairs("a=1&a=2"), ["a=1", "a=2"])
        XCTAssertEqual(pairs("=v"), ["=v"])
        XCTAssertEqual(pairs("na+me%3D=v%26w"), ["na me==v&w"])
    }

    func testPlusAndEncodedPlus() {
        XCTAssertEqual(pairs("q=a+b%2Bc"), ["q=a b+c"])
        XCTAssertEqual(PercentDecoding.decode("a+b%2B"), "a+b+")
    }

    func testBadEscapes() {
        for query in ["a=%", "a=%2", "a=%zz", "a=%2G", "%=1", "a=1&b=%x1", "a=%%20"] {
            XCTAssertNil(QueryString.parse(query), query)
        }
        for segment in ["%", "%2", "%g0", "abc%", "%%41"] {
            XCTAssertNil(PercentDecoding.decode(Substring(segment)), segment)
        }
    }

    func testNulIsRejected() {
        XCTAssertNil(QueryString.parse("a=%00"))
        XCTAssertNil(PercentDecoding.decode("x%00.js"))
        XCTAssertNil(QueryString.value("a", in: "a=%00"))
    }

    func testDotSegmentsAndSlashDecodeLiterally() {
        XCTAssertEqual(PercentDecoding.decode("%2e%2e"), "..")
        XCTAssertEqual(PercentDecoding.decode("%2E%2E%2Fetc"), "../etc")
        XCTAssertEqual(PercentDecoding.decode("a%2Fb"), "a/b")
        XCTAssertEqual(PercentDecoding.decode(""), "")
        XCTAssertEqual(PercentDecoding.decode("plain"), "plain")
    }

    func testUTF8() {
        XCTAssertEqual(PercentDecoding.decode("caf%C3%A9"), "café")
        XCTAssertEqual(PercentDecoding.decode("%E2%98%95"), "☕")
        XCTAssertEqual(pairs("n=%F0%9F%98%80&raw=é"), ["n=😀", "raw=é"])
        // Invalid UTF-8 after decoding: lone continuation byte, truncated sequence, overlong form, surrogate.
        for bad in ["%80", "%C3", "%E2%98", "%C0%AF", "%ED%A0%80", "%FF"] {
            XCTAssertNil(PercentDecoding.decode(Substring(bad)), bad)
            XCTAssertNil(QueryString.parse("a=" + bad), bad)
        }
    }

    func testValueLookup() {
        let query = "EIO=4&transport=polling&sid=abc%2Bdef&b64=1&x+y=z"
        XCTAssertEqual(QueryString.value("EIO", in: query), "4")
        XCTAssertEqual(QueryString.value("sid", in: query), "abc+def")
        XCTAssertEqual(QueryString.value("x y", in: query), "z")
        XCTAssertNil(QueryString.value("eio", in: query))
        XCTAssertNil(QueryString.value("missing", in: query))
        XCTAssertEqual(QueryString.value("a", in: "a=1&a=2"), "1")
        XCTAssertEqual(QueryString.value("flag", in: "flag"), "")
        XCTAssertEqual(QueryString.value("s p", in: "s%20p=v"), "v")
        // A malformed pair elsewhere does not hide the one asked for; a malformed match is nil.
        XCTAssertEqual(QueryString.value("b", in: "a=%zz&b=2"), "2")
        XCTAssertNil(QueryString.value("a", in: "a=%zz&b=2"))
    }
}

@testable import PushCore
import XCTest

final class Base64URLTests: XCTestCase {
    private func decode(_ text: String) -> [UInt8]? { Base64.decodeURL(Array(text.utf8)) }

    func testRFC4648Vectors() {
        // RFC 4648 §10 with the padding dropped.
        let vectors = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
                       ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encodeURL(Array(plain.utf8)), encoded)
            XCTAssertEqual(decode(encoded), Array(plain.utf8), encoded)
        }
    }

    func testURLAlphabet() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0xFE]
        XCTAssertEqual(Base64.encode(bytes), "+/+//g==")
        XCTAssertEqual(Base64.encodeURL(bytes), "-_-__g")
        XCTAssertEqual(decode("-_-__g"), bytes)
    }

    func testRoundTripAllLengths() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var encoded: [UInt8] = [0x41]
            Base64.encodeURL(bytes, into: &encoded)
            XCTAssertEqual(encoded.first, 0x41, "appends")
            XCTAssertFalse(encoded.contains(UInt8(ascii: "=")))
            XCTAssertEqual(Base64.decodeURL(encoded.dropFirst()), bytes, "length \(length)")
            // Matches the standard alphabet with padding removed and the two symbols swapped.
            let standard = Base64.encode(bytes).filter { $0 != "=" }
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            XCTAssertEqual(Base64.encodeURL(bytes), standard)
        }
    }

    func testRejectsPaddingAndForeignBytes() {
        XCTAssertNil(decode("Zg=="))
        XCTAssertNil(decode("Zg="))
        XCTAssertNil(decode("Zm9v="))
        XCTAssertNil(decode("+/+/"))
        XCTAssertNil(decode("Zm 9v"))
        XCTAssertNil(decode("Zm9v\n"))
        XCTAssertNil(decode("Zm.9v"))
        XCTAssertNil(Base64.decodeURL([0x5A, 0x6D, 0xC3, 0xA9]))
    }

    func testRejectsLoneCharacterAndNonzeroTailBits() {
        XCTAssertNil(decode("Z"))
        XCTAssertNil(decode("Zm9vY"))
        // "Zh" carries the same byte as "Zg" but with a stray low bit set.
        XCTAssertNil(decode("Zh"))
        XCTAssertNil(decode("Zm9"))
        XCTAssertEqual(decode("Zm8"), Array("fo".utf8))
    }
}

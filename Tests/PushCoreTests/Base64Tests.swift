import XCTest
@testable import PushCore

final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            var appended = Array("x".utf8)
            Base64.encode(Array(plain.utf8), into: &appended)
            XCTAssertEqual(String(decoding: appended, as: UTF8.self), "x" + encoded)
            XCTAssertEqual(Base64.decode(Array(encoded.utf8)), Array(plain.utf8))
            XCTAssertEqual(Base64.decodedCount(Array(encoded.utf8)), plain.utf8.count)
        }
    }

    func testUnpaddedInputDecodes() {
        XCTAssertEqual(Base64.decode(Array("Zm9vYg".utf8)), Array("foob".utf8))
        XCTAssertEqual(Base64.decodedCount(Array("Zm9vYmE".utf8)), 5)
    }

    func testMalformedInputIsRefusedByBothDecoders() {
        for text in ["Zm9v!", "Zg=a", "Zg===", "Z", "Zm9vY", "Zg=", "=Zg", "Zm 9v"] {
            XCTAssertNil(Base64.decode(Array(text.utf8)), text)
            XCTAssertNil(Base64.decodedCount(Array(text.utf8)), text)
        }
    }

    func testCountAgreesWithDecodeForEveryLength() {
        var rng = HTTPTestRNG(state: 7)
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let encoded = Array(Base64.encode(bytes).utf8)
            XCTAssertEqual(Base64.decode(encoded), bytes)
            XCTAssertEqual(Base64.decodedCount(encoded), length)
        }
    }

    /// The count is worked out apart from decoding: both must refuse the same texts. Random
    /// texts over a few letters, the padding and a stray byte, up to 9 long.
    func testCountAgreesWithDecodeOnArbitraryText() {
        var rng = HTTPTestRNG(state: 11)
        let alphabet = Array("Zm9=!".utf8)
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 10)
            let text = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            XCTAssertEqual(Base64.decodedCount(text), Base64.decode(text)?.count, String(decoding: text, as: UTF8.self))
        }
    }
}

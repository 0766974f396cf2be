@testable import PushCore
import TestSupport
import XCTest

final class UTF8ValidatorTests: XCTestCase {
    private func valid(_ bytes: [UInt8]) -> Bool { UTF8Validator.isValid(bytes) }

    private func prefix(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { UTF8Validator.validPrefixLength($0) }
    }

    func testValid() {
        let samples: [[UInt8]] = [
            [], Array("hello".utf8), Array("héllo wörld".utf8), Array("€ 日本語 😀".utf8),
            [0x7F], [0xC2, 0x80], [0xDF, 0xBF],            // U+0080, U+07FF
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF],        // U+0800, U+D7FF
            [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],        // U+E000, U+FFFF
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],  // U+10000, U+10FFFF
            Array(String(repeating: "abcdefgh€", count: 100).utf8),
        ]
        for sample in samples {
            XCTAssertTrue(valid(sample), "\(sample)")
            XCTAssertEqual(prefix(sample), sample.count)
        }
        // The raw-buffer entry point agrees.
        XCTAssertTrue(Array("ok".utf8).withUnsafeBytes { UTF8Validator.isValid($0) })
    }

    func testInvalid() {
        let samples: [(String, [UInt8])] = [
            ("overlong NUL 2", [0xC0, 0x80]), ("overlong 2", [0xC1, 0xBF]),
            ("overlong 3", [0xE0, 0x80, 0x80]), ("overlong 3 high", [0xE0, 0x9F, 0xBF]),
            ("overlong 4", [0xF0, 0x80, 0x80, 0x80]), ("overlong 4 high", [0xF0, 0x8F, 0xBF, 0xBF]),
            ("high surrogate", [0xED, 0xA0, 0x80]), ("low surrogate", [0xED, 0xBF, 0xBF]),
            ("surrogate pair", [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
            ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), ("F5", [0xF5, 0x80, 0x80, 0x80]),
            ("FE", [0xFE]), ("FF", [0xFF]),
            ("stray continuation", [0x80]), ("stray BF", [0x61, 0xBF]),
            ("truncated 2", [0xC3]), ("truncated 3", [0xE2, 0x82]), ("truncated 4", [0xF0, 0x9F, 0x98]),
            ("truncated then ASCII", [0xE2, 0x82, 0x41]), ("missing continuation", [0xC3, 0x41]),
            ("extra continuation", [0xC3, 0xA9, 0xA9]),
        ]
        for (name, sample) in samples {
            XCTAssertFalse(valid(sample), name)
            XCTAssertFalse(valid(Array("abcdefghij".utf8) + sample + Array("klmnopqrst".utf8)), "\(name) embedded")
        }
    }

    func testValidPrefixLength() {
        XCTAssertEqual(prefix([]), 0)
        XCTAssertEqual(prefix([0xE2]), 0)
        XCTAssertEqual(prefix([0x61, 0xE2, 0x82]), 1)          // "a" + start of "€"
        XCTAssertEqual(prefix([0x61, 0xF0, 0x9F, 0x98]), 1)    // "a" + start of "😀"
        XCTAssertEqual(prefix(Array("abcdefghijk".utf8) + [0xC3]), 11)
        // Invalid starts are refused without waiting for the rest.
        XCTAssertNil(prefix([0x61, 0xED, 0xA0]))               // surrogate
        XCTAssertNil(prefix([0xF4, 0x90]))                     // above U+10FFFF
        XCTAssertNil(prefix([0xE0, 0x80]))                     // overlong
        XCTAssertNil(prefix([0xF0, 0x9F, 0x41]))               // broken in the middle
        XCTAssertNil(prefix([0xC0]))
        // Every split of valid text leaves a prefix that is valid so far.
        let text = Array("aé€😀 mixed ASCII and 日本語 text".utf8)
        for cut in 0...text.count {
            guard let length = prefix(Array(text[..<cut])) else { return XCTFail("cut \(cut)") }
            XCTAssertTrue(cut - length <= 3 && valid(Array(text[..<length])), "cut \(cut)")
        }
    }

    func testPositionsAroundWordBoundaries() {
        // A bad or multibyte byte at every offset relative to the 8-byte fast path.
        for position in 0..<40 {
            var bad = Array(repeating: UInt8(ascii: "a"), count: 40)
            bad[position] = 0x80
            XCTAssertFalse(valid(bad), "stray at \(position)")
            bad[position] = 0xFF
            XCTAssertFalse(valid(bad), "FF at \(position)")
            var good = Array(repeating: UInt8(ascii: "a"), count: 40)
            good.insert(contentsOf: [0xE2, 0x82, 0xAC], at: position)
            XCTAssertTrue(valid(good), "euro at \(position)")
            var truncated = Array(repeating: UInt8(ascii: "a"), count: position)
            truncated.append(0xE2)
            XCTAssertFalse(valid(truncated), "truncated at \(position)")
            XCTAssertEqual(prefix(truncated), position)
        }
    }

    func testAgreesWithStandardLibraryOnRandomBytes() {
        var random = SeededRandom(seed: 0x5EED)
        // Bytes drawn from pools so random arrays are often valid or nearly valid.
        let pools: [[UInt8]] = [
            Array(0x20...0x7E), Array(0x80...0xBF), Array(0xC0...0xDF), [0xE0, 0xED, 0xEF, 0xE1],
            [0xF0, 0xF4, 0xF5, 0xF1], Array(0x00...0xFF),
        ]
        var validCount = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &random)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                let pool = pools[Int.random(in: 0..<pools.count, using: &random)]
                bytes.append(pool[Int.random(in: 0..<pool.count, using: &random)])
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            if expected { validCount += 1 }
            XCTAssertEqual(valid(bytes), expected, "\(bytes)")
        }
        // Random valid scalars, encoded by the standard library, then cut at random.
        for _ in 0..<2_000 {
            var string = ""
            for _ in 0..<Int.random(in: 0...20, using: &random) {
                let value = UInt32.random(in: 0...0x10FFFF, using: &random)
                if let scalar = Unicode.Scalar(value) { string.unicodeScalars.append(scalar) }
            }
            let bytes = Array(string.utf8)
            XCTAssertTrue(valid(bytes))
            let cut = Int.random(in: 0...bytes.count, using: &random)
            XCTAssertEqual(valid(Array(bytes[..<cut])), String(validating: bytes[..<cut], as: UTF8.self) != nil)
        }
        XCTAssertGreaterThan(validCount, 1000, "the generator should produce valid input too")
    }
}

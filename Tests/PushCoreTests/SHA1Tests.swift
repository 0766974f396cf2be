@testable import PushCore
import XCTest

final class SHA1Tests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }

    func testKnownVectors() {
        let vectors: [(String, String)] = [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "a49b2446a02c645bf419f995b67091253a04a259"),
            ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
        ]
        for (input, digest) in vectors {
            XCTAssertEqual(hex(SHA1.hash(Array(input.utf8))), digest, input)
            XCTAssertEqual(hex(SHA1.hash(input.utf8)), digest, "String.UTF8View input")
        }
    }

    func testMillionA() {
        XCTAssertEqual(hex(SHA1.hash(repeatElement(UInt8(ascii: "a"), count: 1_000_000))),
                       "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    func testPaddingBoundaries() {
        // Lengths around the 55/56 and 64-byte block edges, bytes 0, 1, 2, ...
        let vectors: [(Int, String)] = [
            (55, "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2"),
            (56, "636e2ec698dac903498e648bd2f3af641d3c88cb"),
            (63, "6d942da0c4392b123528f2905c713a3ce28364bd"),
            (64, "c6138d514ffa2135bfce0ed0b8fac65669917ec7"),
            (65, "69bd728ad6e13cd76ff19751fde427b00e395746"),
            (119, "41c89d06001bab4ab78736b44efe7ce18ce6ae08"),
            (120, "d3dbd653bd8597b7475321b60a36891278e6a04a"),
            (128, "e6434bc401f98603d7eda504790c98c67385d535"),
        ]
        for (length, digest) in vectors {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
            XCTAssertEqual(hex(SHA1.hash(input)), digest, "\(length) bytes")
            XCTAssertEqual(hex(SHA1.hash(input[...])), digest, "slice of \(length) bytes")
        }
    }

    func testDigestLength() {
        XCTAssertEqual(SHA1.hash([UInt8]()).count, 20)
        XCTAssertEqual(SHA1.hash(Array(repeating: 0xFF, count: 1000)).count, 20)
    }
}

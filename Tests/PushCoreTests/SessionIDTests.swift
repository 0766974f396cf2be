import XCTest
import PushCore

final class SessionIDTests: XCTestCase {
    private static let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Decodes unpadded base64url through the standard decoder.
    private func decodeURL(_ text: Substring) -> [UInt8]? {
        let standard = text.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 }
        return Base64.decode(standard)
    }

    func testShapeUniquenessAndBitBalance() throws {
        let total = 100_000
        var seen = Set<String>()
        seen.reserveCapacity(total)
        var ones = [Int](repeating: 0, count: 160)
        for _ in 0..<total {
            let sid = SessionID.make()
            XCTAssertEqual(sid.utf8.count, 27)
            XCTAssertTrue(sid.utf8.allSatisfy(Self.alphabet.contains))
            XCTAssertTrue(SessionID.isWellFormed(sid))
            XCTAssertNil(SessionID.nodeTag(of: sid))
            seen.insert(sid)
            let bytes = try XCTUnwrap(decodeURL(sid[...]))
            XCTAssertEqual(bytes.count, 20)
            for bit in 0..<160 where bytes[bit >> 3] & (1 << (bit & 7)) != 0 { ones[bit] += 1 }
        }
        XCTAssertEqual(seen.count, total)
        // Each of the 160 bits is set about half the time: 50,000 ± 5 standard deviations (158).
        for (bit, count) in ones.enumerated() {
            XCTAssertTrue((49_200...50_800).contains(count), "bit \(bit) set \(count) times")
        }
    }

    func testSeededGeneratorGivesTheGeneratorsBytes() throws {
        var rng = EngineTestRNG(seed: 1)
        let sid = SessionID.make(using: &rng)
        var check = EngineTestRNG(seed: 1)
        var expected: [UInt8] = []
        for _ in 0..<3 {
            let word = check.next()
            for shift in stride(from: 0, to: 64, by: 8) { expected.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        XCTAssertEqual(decodeURL(sid[...]), Array(expected.prefix(20)))
    }

    func testNodeTag() throws {
        let tag: [UInt8] = [0xAB, 0xCD, 0xEF, 0xFB]
        let encoded = SessionID.encodeNodeTag(tag)
        XCTAssertEqual(encoded, "q83v-w")
        let sid = SessionID.make(nodeTag: tag)
        XCTAssertTrue(sid.hasPrefix("q83v-w."))
        XCTAssertEqual(sid.utf8.count, 6 + 1 + 27)
        XCTAssertEqual(SessionID.nodeTag(of: sid), "q83v-w")
        XCTAssertTrue(SessionID.isWellFormed(sid))
        let longest = SessionID.make(nodeTag: [UInt8](repeating: 7, count: SessionID.maxNodeTagBytes))
        XCTAssertTrue(SessionID.isWellFormed(longest))
        XCTAssertEqual(SessionID.nodeTag(of: longest)?.utf8.count, 43)
        XCTAssertNotEqual(SessionID.make(nodeTag: tag), SessionID.make(nodeTag: tag))
    }

    func testWellFormedRejectsJunk() {
        let random = String(repeating: "A", count: 27)
        XCTAssertTrue(SessionID.isWellFormed(random))
        XCTAssertTrue(SessionID.isWellFormed("t." + random))
        for bad in ["", String(repeating: "A", count: 26), String(repeating: "A", count: 28), "." + random,
                    "t.." + random, "a.b." + random, "t." + random + ".", random + "=", String(repeating: "A", count: 26) + "+",
                    "t" + String(repeating: "A", count: 43) + "." + random, "é" + String(repeating: "A", count: 26),
                    "t." + String(repeating: "A", count: 26), "t" + random] {
            XCTAssertFalse(SessionID.isWellFormed(bad), bad)
            XCTAssertNil(SessionID.nodeTag(of: bad), bad)
        }
        XCTAssertTrue(SessionID.isWellFormed(Substring("x." + random)))
    }
}

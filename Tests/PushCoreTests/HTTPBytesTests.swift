import XCTest
@testable import PushCore

final class HTTPBytesTests: XCTestCase {
    /// The byte-at-a-time rule the word-wise compare must agree with.
    private func reference(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { HTTPBytes.lower($0) == HTTPBytes.lower($1) }
    }

    private func compare(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in HTTPBytes.equalsIgnoringCase(x, y) } }
    }

    /// Every byte against every byte, at each place of an eight-byte word and past it.
    func testEveryPairOfBytesAtEveryPlace() {
        for length in [1, 8, 19] {
            for place in Set([0, length - 1]) {
                for x in 0...255 {
                    for y in 0...255 {
                        var a = [UInt8](repeating: UInt8(ascii: "k"), count: length)
                        var b = a
                        a[place] = UInt8(x)
                        b[place] = UInt8(y)
                        if compare(a, b) != reference(a, b) {
                            return XCTFail("\(x) and \(y) at \(place) of \(length)")
                        }
                    }
                }
            }
        }
    }

    /// Random names with random letters' case flipped, and one byte changed in half of them.
    func testRandomNames() {
        var rng = HTTPTestRNG(state: 3)
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 40)
            let a = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var b = a.map { $0 &- 65 < 26 || $0 &- 97 < 26 ? (rng.next() % 2 == 0 ? $0 ^ 0x20 : $0) : $0 }
            if length > 0 && rng.next() % 2 == 0 { b[Int(rng.next() % UInt64(length))] = UInt8(truncatingIfNeeded: rng.next()) }
            XCTAssertEqual(compare(a, b), reference(a, b), "\(a) \(b)")
        }
    }

    func testLowercasePatterns() {
        let text = Array("Sec-WebSocket-Version: 13".utf8)
        text.withUnsafeBytes { raw in
            XCTAssertTrue(HTTPBytes.equalsLowercased(raw, 0, 21, "sec-websocket-version"))
            XCTAssertFalse(HTTPBytes.equalsLowercased(raw, 0, 21, "sec-websocket-versioo"))
            XCTAssertFalse(HTTPBytes.equalsLowercased(raw, 0, 20, "sec-websocket-version"))
            XCTAssertTrue(HTTPBytes.equalsLowercased(raw, 23, 25, "13"))
            XCTAssertTrue(HTTPBytes.equalsLowercased(raw, 3, 3, ""))
        }
    }
}

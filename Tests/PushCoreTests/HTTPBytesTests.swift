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

    /// Every byte at every place of buffers up to three words long, among bytes that are near
    /// misses of the two wanted (one bit off, or off by one, where a borrow could carry).
    func testContainsEitherAtEveryPlace() {
        let (a, b) = (UInt8(ascii: "%"), UInt8(ascii: "+"))
        let fillers: [UInt8] = [0, 1, 0x24, 0x26, 0x2A, 0x2C, 0x25 ^ 0x80, 0x2B ^ 0x40, 0xFF, UInt8(ascii: "k")]
        for length in 0...24 {
            for filler in fillers {
                let plain = [UInt8](repeating: filler, count: length)
                XCTAssertFalse(plain.withUnsafeBytes { HTTPBytes.containsEither(a, b, in: $0) }, "\(filler) x \(length)")
                for place in 0..<length {
                    for byte in 0...255 {
                        var bytes = plain
                        bytes[place] = UInt8(byte)
                        let expected = bytes.contains(a) || bytes.contains(b)
                        if bytes.withUnsafeBytes({ HTTPBytes.containsEither(a, b, in: $0) }) != expected {
                            return XCTFail("\(byte) at \(place) of \(length) among \(filler)")
                        }
                    }
                }
            }
        }
        // At an offset into a larger buffer, as a query's names and values lie.
        let text = Array("EIO=4&transport=polling&sid=a%2Bb&t=x+y".utf8)
        text.withUnsafeBytes { all in
            for start in 0...all.count {
                for end in start...all.count {
                    let part = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    XCTAssertEqual(HTTPBytes.containsEither(a, b, in: part), part.contains(a) || part.contains(b))
                }
            }
        }
    }
}

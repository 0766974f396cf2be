import XCTest
@testable import PushCore

/// Unmasking client payloads in place: the vector steps and the last step that ends the
/// payload give the bytes a byte-by-byte XOR gives, and the ASCII report sees every byte.
final class WebSocketMaskingTests: XCTestCase {
    private func reference(_ payload: [UInt8], key: UInt32) -> [UInt8] {
        payload.indices.map { payload[$0] ^ UInt8(truncatingIfNeeded: key >> (24 - UInt32($0 & 3) * 8)) }
    }

    private func unmasked(_ masked: [UInt8], key: UInt32) -> (bytes: [UInt8], ascii: Bool) {
        var bytes = masked
        let ascii = bytes.withUnsafeMutableBytes { WebSocketMasking.unmaskInPlaceCheckingASCII($0, key: key) }
        return (bytes, ascii)
    }

    func testEveryLengthUnmasksLikeByteByByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...41 {
            let key = UInt32.random(in: .min ... .max, using: &generator)
            let text = (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }
            let masked = reference(text, key: key)  // masking is its own inverse
            let (bytes, ascii) = unmasked(masked, key: key)
            XCTAssertEqual(bytes, text, "length \(length)")
            XCTAssertTrue(ascii, "length \(length)")
        }
    }

    func testAByteOutsideASCIIIsSeenWhereverItIs() {
        let key: UInt32 = 0x9A3C_55E1
        for length in 1...41 {
            for position in 0..<length {
                var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                text[position] = 0xC3
                let (bytes, ascii) = unmasked(reference(text, key: key), key: key)
                XCTAssertEqual(bytes, text, "length \(length), position \(position)")
                XCTAssertFalse(ascii, "length \(length), position \(position)")
            }
        }
    }
}

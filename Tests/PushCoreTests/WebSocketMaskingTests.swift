import XCTest
@testable import PushCore

/// Unmasking client payloads, into other memory and in place: word by word and the last step
/// that ends the payload give the bytes a byte-by-byte XOR gives, and the ASCII report sees
/// every byte.
final class WebSocketMaskingTests: XCTestCase {
    private func reference(_ payload: [UInt8], key: UInt32) -> [UInt8] {
        payload.indices.map { payload[$0] ^ UInt8(truncatingIfNeeded: key >> (24 - UInt32($0 & 3) * 8)) }
    }

    private func unmasked(_ masked: [UInt8], key: UInt32, inPlace: Bool) -> (bytes: [UInt8], ascii: Bool) {
        if inPlace {
            var bytes = masked
            let ascii = bytes.withUnsafeMutableBytes { WebSocketMasking.unmaskInPlaceCheckingASCII($0, key: key) }
            return (bytes, ascii)
        }
        var out = [UInt8](repeating: 0, count: masked.count)
        let ascii = out.withUnsafeMutableBytes { target in
            masked.withUnsafeBytes { WebSocketMasking.unmaskCheckingASCII(target, from: $0, key: key) }
        }
        return (out, ascii)
    }

    func testEveryLengthUnmasksLikeByteByByte() {
        var generator = SystemRandomNumberGenerator()
        for inPlace in [false, true] {
            for length in 0...41 {
                let key = UInt32.random(in: .min ... .max, using: &generator)
                let text = (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }
                let masked = reference(text, key: key)  // masking is its own inverse
                let (bytes, ascii) = unmasked(masked, key: key, inPlace: inPlace)
                XCTAssertEqual(bytes, text, "length \(length), in place: \(inPlace)")
                XCTAssertTrue(ascii, "length \(length), in place: \(inPlace)")
            }
        }
    }

    func testAByteOutsideASCIIIsSeenWhereverItIs() {
        let key: UInt32 = 0x9A3C_55E1
        for inPlace in [false, true] {
            for length in 1...41 {
                for position in 0..<length {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text[position] = 0xC3
                    let (bytes, ascii) = unmasked(reference(text, key: key), key: key, inPlace: inPlace)
                    XCTAssertEqual(bytes, text, "length \(length), position \(position), in place: \(inPlace)")
                    XCTAssertFalse(ascii, "length \(length), position \(position), in place: \(inPlace)")
                }
            }
        }
    }
}

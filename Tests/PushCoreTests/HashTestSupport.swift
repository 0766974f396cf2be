@testable import PushCore
import XCTest

/// Lowercase hex of `bytes`.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
}

/// The bytes of an even-length hex string.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

/// The FIPS 180-4 example messages (empty, "abc", the 448- and 896-bit ones, a million 'a').
enum FIPSMessages {
    static let abc = Array("abc".utf8)
    static let bits448 = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    static let bits896 = Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
        + "klmnopqrlmnopqrsmnopqrstnopqrstu").utf8)
    static let millionA = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    /// Bytes 0, 1, 2, ... (mod 256), for lengths around the block and padding edges.
    static func counting(_ length: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: $0) } }
}

/// Checks that `Hash` gives `expected` for `message` fed in one piece, split in two at every
/// byte, one byte at a time, and through the one-shot entry points.
func assertStreams<Hash: HashFunction>(_: Hash.Type, _ message: [UInt8], _ expected: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(hexString(Hash.hash(message)), expected, "one-shot", file: file, line: line)
    XCTAssertEqual(hexString(message.withUnsafeBytes { Hash.hash($0) }), expected, "raw buffer", file: file, line: line)
    for split in 0...message.count {
        var hash = Hash()
        hash.update(message[..<split])
        hash.update(message[split...])
        XCTAssertEqual(hexString(hash.finalize()), expected, "split at \(split)", file: file, line: line)
    }
    var bytewise = Hash()
    for byte in message { bytewise.update([byte]) }
    XCTAssertEqual(hexString(bytewise.finalize()), expected, "byte by byte", file: file, line: line)
}

/// base64url (RFC 4648 §5) without padding, as JWS (RFC 7515 §2) writes every token segment.
extension Base64 {
    /// Appends the unpadded base64url encoding of `bytes` to `output`.
    package static func encodeURL<C: Collection>(_ bytes: C, into output: inout [UInt8]) where C.Element == UInt8 {
        output.reserveCapacity(output.count + encodedURLCount(bytes.count))
        encode(bytes, url: true, padded: false) { output.append($0) }
    }

    /// The unpadded base64url encoding of `bytes` as a String, written in place.
    package static func encodeURL<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(unsafeUninitializedCapacity: encodedURLCount(bytes.count)) { buffer in
            var count = 0
            encode(bytes, url: true, padded: false) { buffer[count] = $0; count &+= 1 }
            return count
        }
    }

    /// Characters in the unpadded base64url encoding of `count` bytes.
    package static func encodedURLCount(_ count: Int) -> Int { (count * 4 + 2) / 3 }

    /// Decodes unpadded base64url, strictly: nil on `=`, on any byte outside the base64url
    /// alphabet (so `+` and `/` too), on a length that leaves a single character over, and on
    /// unused trailing bits that are not zero (so each byte string has exactly one encoding).
    package static func decodeURL<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value = value(of: byte, url: true)
            if value == 0xFF { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // 2 or 4 leftover bits are the zero tail of the last byte; 6 means a lone character.
        if bits >= 6 || accumulator & (1 << UInt32(bits) - 1) != 0 { return nil }
        return output
    }
}

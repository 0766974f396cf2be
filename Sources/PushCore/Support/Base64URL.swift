/// base64url (RFC 4648 §5) without padding, as JWS (RFC 7515 §2) writes every token segment.
extension Base64 {
    private static let urlAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0...63 for base64url alphabet bytes, 0xFF otherwise.
    private static let urlDecodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in urlAlphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Appends the unpadded base64url encoding of `bytes` to `output`.
    package static func encodeURL<C: Collection>(_ bytes: C, into output: inout [UInt8]) where C.Element == UInt8 {
        output.reserveCapacity(output.count + (bytes.count * 4 + 2) / 3)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next(), b2 = iterator.next()
            output.append(urlAlphabet[Int(b0 >> 2)])
            output.append(urlAlphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 { output.append(urlAlphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)]) }
            if let b2 { output.append(urlAlphabet[Int(b2 & 0x3F)]) }
        }
    }

    /// The unpadded base64url encoding of `bytes` as a String.
    package static func encodeURL<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var output: [UInt8] = []
        encodeURL(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded base64url, strictly: nil on `=`, on any byte outside the base64url
    /// alphabet (so `+` and `/` too), on a length that leaves a single character over, and on
    /// unused trailing bits that are not zero (so each byte string has exactly one encoding).
    package static func decodeURL<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value = urlDecodeTable[Int(byte)]
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

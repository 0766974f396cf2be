/// Strict UTF-8 validation (RFC 3629) for WebSocket text messages and close reasons: rejects
/// overlong forms, surrogates (U+D800-DFFF), scalars above U+10FFFF and stray continuation bytes.
package enum UTF8Validator {
    /// Whether `bytes` is complete, valid UTF-8.
    package static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        validPrefixLength(bytes) == bytes.count
    }

    /// Whether `bytes` is complete, valid UTF-8.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValid($0) }
    }

    /// For validating a message as its fragments arrive: the length of the longest prefix made
    /// of complete valid sequences, provided whatever follows it is the valid start of a
    /// sequence cut off by the end of the buffer (at most 3 bytes). Nil as soon as any byte
    /// makes the text invalid, so a bad fragment fails before the message ends.
    package static func validPrefixLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return 0 }
        let count = bytes.count
        var i = 0
        while i < count {
            // ASCII fast path: 8 bytes per step, then skip to the first non-ASCII byte.
            if i + 8 <= count {
                let highBits = base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080
                if highBits == 0 {
                    i += 8
                    continue
                }
                #if _endian(little)
                i += highBits.trailingZeroBitCount >> 3
                #else
                i += highBits.leadingZeroBitCount >> 3
                #endif
            } else if count >= 8 && base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                // The last few bytes, checked in one load that overlaps bytes already seen
                // (valid, or the loop would have left).
                return count
            }
            let lead = base.load(fromByteOffset: i, as: UInt8.self)
            if lead < 0x80 {
                i += 1
                continue
            }
            // Continuation count and the allowed range of the first continuation byte, which
            // is what excludes overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
            let needed: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: needed = 1
            case 0xE0: needed = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: needed = 2
            case 0xED: needed = 2; high = 0x9F
            case 0xF0: needed = 3; low = 0x90
            case 0xF1...0xF3: needed = 3
            case 0xF4: needed = 3; high = 0x8F
            default: return nil  // 80-BF stray continuation, C0/C1 overlong, F5-FF out of range
            }
            let available = min(needed, count - i - 1)
            if available >= 1 {
                let second = base.load(fromByteOffset: i + 1, as: UInt8.self)
                if second < low || second > high { return nil }
            }
            var k = 2
            while k <= available {
                if base.load(fromByteOffset: i + k, as: UInt8.self) & 0xC0 != 0x80 { return nil }
                k += 1
            }
            if available < needed { return i }
            i += needed + 1
        }
        return count
    }
}

/// Standard base64 (RFC 4648 §4, with padding), as used by Engine.IO's "b" packets and the
/// WebSocket accept key. Works on bytes; no Foundation.
package enum Base64 {
    /// The character for six bits: the two alphabets differ only in the last two. Computed by
    /// ranges, which beats a table reached through a global in the loop.
    @inline(__always)
    static func character(_ six: UInt8, url: Bool) -> UInt8 {
        switch six {
        case 0..<26: UInt8(ascii: "A") &+ six
        case 26..<52: UInt8(ascii: "a") &+ (six &- 26)
        case 52..<62: UInt8(ascii: "0") &+ (six &- 52)
        case 62: url ? UInt8(ascii: "-") : UInt8(ascii: "+")
        default: url ? UInt8(ascii: "_") : UInt8(ascii: "/")
        }
    }

    /// 0...63 for a character of the alphabet, 0xFF otherwise.
    @inline(__always)
    static func value(of byte: UInt8, url: Bool) -> UInt8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "+"): url ? 0xFF : 62
        case UInt8(ascii: "/"): url ? 0xFF : 63
        case UInt8(ascii: "-"): url ? 62 : 0xFF
        case UInt8(ascii: "_"): url ? 63 : 0xFF
        default: 0xFF
        }
    }

    /// Gives `emit` the encoding of `bytes` in either alphabet, padded with "=" or not.
    @inline(__always)
    static func encode<C: Collection>(_ bytes: C, url: Bool, padded: Bool, emit: (UInt8) -> Void) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ encode($0, url: url, padded: padded, emit: emit) }) == nil {
            Array(bytes).withUnsafeBufferPointer { encode($0, url: url, padded: padded, emit: emit) }
        }
    }

    /// The same over contiguous bytes: whole groups of three by index, then the one or two left.
    @inline(__always)
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, url: Bool, padded: Bool, emit: (UInt8) -> Void) {
        let whole = bytes.count &- bytes.count % 3
        var i = 0
        while i < whole {
            let b0 = bytes[i], b1 = bytes[i &+ 1], b2 = bytes[i &+ 2]
            emit(character(b0 >> 2, url: url))
            emit(character((b0 & 0x03) << 4 | b1 >> 4, url: url))
            emit(character((b1 & 0x0F) << 2 | b2 >> 6, url: url))
            emit(character(b2 & 0x3F, url: url))
            i &+= 3
        }
        guard i < bytes.count else { return }
        let b0 = bytes[i]
        let b1: UInt8 = i &+ 1 < bytes.count ? bytes[i &+ 1] : 0
        emit(character(b0 >> 2, url: url))
        emit(character((b0 & 0x03) << 4 | b1 >> 4, url: url))
        if i &+ 1 < bytes.count {
            emit(character((b1 & 0x0F) << 2, url: url))
        } else if padded {
            emit(UInt8(ascii: "="))
        }
        if padded { emit(UInt8(ascii: "=")) }
    }

    /// Appends the base64 encoding of `bytes` to `output`.
    package static func encode<C: Collection>(_ bytes: C, into output: inout [UInt8]) where C.Element == UInt8 {
        output.reserveCapacity(output.count + encodedCount(bytes.count))
        encode(bytes, url: false, padded: true) { output.append($0) }
    }

    /// The base64 encoding of `bytes` as a String, written in place.
    package static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(unsafeUninitializedCapacity: encodedCount(bytes.count)) { buffer in
            var count = 0
            encode(bytes, url: false, padded: true) { buffer[count] = $0; count &+= 1 }
            return count
        }
    }

    private static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Decodes padded or unpadded base64; nil on any byte outside the alphabet or a bad length.
    package static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        return decode(text) { output.append($0) } ? output : nil
    }

    /// How many bytes `text` decodes to, or nil where `decode` fails; nothing is allocated.
    /// The same rules as `decode`, counted rather than run: every 4 characters make 3 bytes, a
    /// tail of 2 or 3 makes 1 or 2, and a tail of 1 is malformed.
    package static func decodedCount<C: Collection>(_ text: C) -> Int? where C.Element == UInt8 {
        var characters = 0
        var padding = 0
        for byte in text {
            if byte == UInt8(ascii: "=") { padding &+= 1; continue }
            if padding > 0 || value(of: byte, url: false) == 0xFF { return nil }
            characters &+= 1
        }
        if padding > 2 || characters & 3 == 1 || (padding > 0 && (characters &+ padding) & 3 != 0) { return nil }
        return characters &* 6 / 8
    }

    /// Gives `emit` each decoded byte; false on any byte outside the alphabet or a bad length.
    @inline(__always)
    private static func decode<C: Collection>(_ text: C, emit: (UInt8) -> Void) -> Bool where C.Element == UInt8 {
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text {
            if byte == UInt8(ascii: "=") { padding += 1; continue }
            // Data after padding is malformed.
            if padding > 0 { return false }
            let value = value(of: byte, url: false)
            if value == 0xFF { return false }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                emit(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be a valid tail (2 or 4 bits) and padding at most 2.
        if padding > 2 || bits >= 6 { return false }
        if padding > 0 && (text.count % 4 != 0) { return false }
        return true
    }
}

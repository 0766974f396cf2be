/// Byte classes and scanning helpers shared by the HTTP parser, writer and decoders.
///
/// Everything here works on raw bytes so the hot paths never build Strings to classify input.
package enum HTTPBytes {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let ht: UInt8 = 9
    static let colon: UInt8 = 58
    static let comma: UInt8 = 44
    static let semicolon: UInt8 = 59

    /// RFC 9110 tchar as two 64-bit masks (bytes 0-63 and 64-127); constants avoid a global table's
    /// lazy-initialisation check on every lookup.
    private static let tcharLow: UInt64 = 0x03FF_6CFA_0000_0000
    private static let tcharHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    @inline(__always)
    static func isTchar(_ b: UInt8) -> Bool {
        // Branch-free: pick the mask by bit 6, shift by the low six bits, reject bytes >= 128.
        let mask = b & 64 == 0 ? tcharLow : tcharHigh
        return b < 128 && (mask >> UInt64(b & 63)) & 1 == 1
    }

    /// SP or HTAB (RFC 9110 OWS).
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == ht }

    /// field-vchar, SP or HTAB: everything but control characters and DEL (obs-text allowed).
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool { b >= 0x20 ? b != 0x7F : b == ht }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }

    /// Value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 48...57: return Int(b &- 48)
        case 65...70: return Int(b &- 55)
        case 97...102: return Int(b &- 87)
        default: return nil
        }
    }

    /// Index where a line's content ends: before the CR of a CRLF, else at the LF.
    @inline(__always)
    static func contentEnd(_ input: UnsafeRawBufferPointer, _ start: Int, _ lf: Int) -> Int {
        lf > start && input[lf &- 1] == cr ? lf &- 1 : lf
    }

    /// Index of the first LF in `bytes[from..<to]`, eight bytes per step.
    @inline(__always)
    static func firstLF(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        first(lf, in: bytes, from: from, to: to)
    }

    /// Index of the first `byte` in `bytes[from..<to]`, eight bytes per step.
    @inline(__always)
    static func first(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard let base = bytes.baseAddress, from < to else { return nil }
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        var i = from
        while i &+ 8 <= to {
            // Classic "has zero byte" test on word ^ pattern; the lowest set flag is the first match.
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let x = word ^ pattern
            let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if found != 0 { return i &+ (found.trailingZeroBitCount >> 3) }
            i &+= 8
        }
        while i < to {
            if base.load(fromByteOffset: i, as: UInt8.self) == byte { return i }
            i &+= 1
        }
        return nil
    }

    /// Whether `bytes` holds `a` or `b`, eight bytes per step.
    @inline(__always)
    static func containsEither(_ a: UInt8, _ b: UInt8, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let patternA = UInt64(a) &* ones, patternB = UInt64(b) &* ones
        var i = 0
        while i &+ 8 <= bytes.count {
            // A zero byte in word ^ pattern is a match; the test may flag a byte above a real
            // match too, never one without any.
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let x = word ^ patternA, y = word ^ patternB
            if ((x &- ones) & ~x | (y &- ones) & ~y) & 0x8080_8080_8080_8080 != 0 { return true }
            i &+= 8
        }
        while i < bytes.count {
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == a || byte == b { return true }
            i &+= 1
        }
        return false
    }

    /// Whether `count` bytes at `a` and at `b` are the same, eight per step.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var i = 0
        while i &+ 8 <= count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < count {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }

    /// Index of the first byte in `bytes[start..<end]` that is not visible ASCII (0x21-0x7E), or
    /// `end`; eight bytes per step.
    @inline(__always)
    static func visibleRunEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var i = start
        while i &+ 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // Nonzero iff some byte is below 0x21 or above 0x7E.
            let below = (word &- 0x2121_2121_2121_2121) & ~word & 0x8080_8080_8080_8080
            let above = ((word &+ 0x0101_0101_0101_0101) | word) & 0x8080_8080_8080_8080
            if below | above != 0 { break }
            i &+= 8
        }
        while i < end && bytes[i] &- 0x21 < 0x5E { i &+= 1 }
        return i
    }

    /// Whether every byte of `bytes[start..<end]` may appear in a field value, eight per step.
    @inline(__always)
    static func allFieldValueBytes(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var i = start
        while i &+ 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // Nonzero iff some byte is below 0x20, or equals 0x7F: then look closer (HTAB is fine).
            let below = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
            let x = word ^ 0x7F7F_7F7F_7F7F_7F7F
            let del = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if below | del != 0 {
                for k in i..<(i &+ 8) where !isFieldValueByte(bytes[k]) { return false }
            }
            i &+= 8
        }
        while i < end {
            if !isFieldValueByte(bytes[i]) { return false }
            i &+= 1
        }
        return true
    }

    /// Whether `bytes[start..<end]` equals `lowercase` ignoring ASCII case (`lowercase` must be lowercase).
    @inline(__always)
    static func equalsLowercased(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ lowercase: StaticString
    ) -> Bool {
        let length = lowercase.utf8CodeUnitCount
        guard end &- start == length else { return false }
        guard length > 0 else { return true }
        return equalsIgnoringCase(bytes.baseAddress! + start, UnsafeRawPointer(lowercase.utf8Start), count: length)
    }

    /// Whether `count` bytes at `a` and `b` are equal ignoring ASCII case, eight per step (a
    /// last step overlaps the one before when `count` is not a multiple of eight).
    @inline(__always)
    static func equalsIgnoringCase(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        guard count >= 8 else {
            for k in 0..<count where lower(a.load(fromByteOffset: k, as: UInt8.self)) != lower(b.load(fromByteOffset: k, as: UInt8.self)) {
                return false
            }
            return true
        }
        var k = 0
        while true {
            let x = a.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            let y = b.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            if x != y && lowered(x) != lowered(y) { return false }
            if k &+ 8 == count { return true }
            k = min(k &+ 8, count &- 8)
        }
    }

    /// Eight bytes with their ASCII capitals made small (other bytes as they are): a byte gets
    /// 0x20 where it is at least "A" and not past "Z", each byte's test kept from carrying into
    /// the next by working on its low seven bits, and bytes over 0x7F left alone.
    @inline(__always)
    static func lowered(_ word: UInt64) -> UInt64 {
        let low = word & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = low &+ 0x3F3F_3F3F_3F3F_3F3F
        let pastZ = low &+ 0x2525_2525_2525_2525
        let capital = atLeastA & ~pastZ & ~word & 0x8080_8080_8080_8080
        return word | (capital >> 2)
    }

    /// Whether `bytes[start..<end]` equals `pattern` exactly.
    @inline(__always)
    static func equalsExactly(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ pattern: StaticString
    ) -> Bool {
        let length = pattern.utf8CodeUnitCount
        guard end &- start == length else { return false }
        let p = pattern.utf8Start
        for k in 0..<length where bytes[start &+ k] != p[k] { return false }
        return true
    }

    /// `start..<end` without the spaces and tabs around it (OWS).
    @inline(__always)
    static func trimmed(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Range<Int> {
        var s = start
        var e = end
        while s < e && isWhitespace(bytes[s]) { s &+= 1 }
        while e > s && isWhitespace(bytes[e &- 1]) { e &-= 1 }
        return s..<e
    }

    /// Calls `body` with the bounds of each comma-separated element of `bytes[start..<end]`,
    /// trimmed of OWS; empty elements are passed too (callers decide whether they are allowed).
    @inline(__always)
    static func forEachListElement(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void
    ) {
        var elementStart = start
        var i = start
        while i <= end {
            if i == end || bytes[i] == comma {
                let element = trimmed(bytes, elementStart, i)
                body(element.lowerBound, element.upperBound)
                elementStart = i &+ 1
            }
            i &+= 1
        }
    }

    /// A String from `bytes[start..<end]` (invalid UTF-8 is repaired with U+FFFD).
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// ASCII case-insensitive String equality without allocating. Compares the strings' UTF-8
    /// storage in place: walking two `utf8` views in step cost a handshake more instructions
    /// than its SHA-1 (every header field is checked against ten names).
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return withUTF8Bytes(of: a) { x in withUTF8Bytes(of: b) { y in equalsIgnoringCase(x, y) } }
    }

    /// ASCII case-insensitive equality of two byte runs of the same length.
    @inline(__always)
    static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return equalsIgnoringCase(UnsafeRawPointer(x), UnsafeRawPointer(y), count: a.count)
    }

    /// Calls `body` with `text`'s UTF-8 bytes: in place for a native string (nearly every one),
    /// else from a contiguous copy.
    @inlinable @inline(__always)
    package static func withUTF8Bytes<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }
}

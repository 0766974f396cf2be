/// String scanning for `JSONParser`: escapes, surrogate pairs and UTF-8 validation.
extension JSONParser {
    /// Parses a string starting at its opening quote; leaves the index after the closing quote.
    mutating func parseString() throws(JSONError) -> String {
        let start = index + 1
        var position = start
        // Fast path: no escapes, so the bytes are the string.
        while true {
            guard position < input.count else { throw .unexpectedEnd(offset: position) }
            let byte = input[position]
            if byte == JSONByte.quote {
                index = position + 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
            }
            if byte == JSONByte.backslash { break }
            if byte < 0x20 { throw .invalidString(offset: position) }
            position = byte < 0x80 ? position + 1 : try endOfUTF8Sequence(at: position)
        }
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while true {
            guard position < input.count else { throw .unexpectedEnd(offset: position) }
            let byte = input[position]
            if byte == JSONByte.quote || byte == JSONByte.backslash {
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[runStart..<position]))
                if byte == JSONByte.quote {
                    index = position + 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                position = try decodeEscape(at: position)
                runStart = position
                continue
            }
            if byte < 0x20 { throw .invalidString(offset: position) }
            position = byte < 0x80 ? position + 1 : try endOfUTF8Sequence(at: position)
        }
    }

    /// Decodes the escape starting at the backslash at `position` into `scratch`; returns the
    /// position after it.
    private mutating func decodeEscape(at position: Int) throws(JSONError) -> Int {
        guard position + 1 < input.count else { throw .unexpectedEnd(offset: position + 1) }
        let decoded: UInt8
        switch input[position + 1] {
        case JSONByte.quote: decoded = JSONByte.quote
        case JSONByte.backslash: decoded = JSONByte.backslash
        case UInt8(ascii: "/"): decoded = UInt8(ascii: "/")
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: position)
        default:
            throw .invalidString(offset: position)
        }
        scratch.append(decoded)
        return position + 2
    }

    /// Decodes `\uXXXX` (or a `\uD8xx\uDCxx` pair) at `position` into `scratch` as UTF-8.
    private mutating func decodeUnicodeEscape(at position: Int) throws(JSONError) -> Int {
        let first = try hexQuad(at: position + 2)
        var scalar = first
        var end = position + 6
        switch first {
        case 0xD800...0xDBFF:
            // A high surrogate must be followed at once by an escaped low surrogate.
            guard end + 1 < input.count, input[end] == JSONByte.backslash, input[end + 1] == UInt8(ascii: "u") else {
                throw .invalidString(offset: position)
            }
            let second = try hexQuad(at: end + 2)
            guard (0xDC00...0xDFFF).contains(second) else { throw .invalidString(offset: position) }
            scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            end += 6
        case 0xDC00...0xDFFF:
            throw .invalidString(offset: position)
        default:
            break
        }
        appendUTF8(scalar)
        return end
    }

    private func hexQuad(at position: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for offset in position..<position + 4 {
            guard offset < input.count else { throw .unexpectedEnd(offset: offset) }
            let byte = input[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidString(offset: offset)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence starting at `position` (RFC 3629: no overlongs,
    /// no surrogates, nothing above U+10FFFF) and returns the position after it.
    private func endOfUTF8Sequence(at position: Int) throws(JSONError) -> Int {
        let lead = input[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw .invalidUTF8(offset: position)
        }
        guard position + length <= input.count, secondRange.contains(input[position + 1]) else {
            throw .invalidUTF8(offset: position)
        }
        for offset in position + 2 ..< position + length where input[offset] & 0xC0 != 0x80 {
            throw .invalidUTF8(offset: position)
        }
        return position + length
    }
}

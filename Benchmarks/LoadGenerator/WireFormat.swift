import Transports

/// Small byte helpers for building and reading messages without Strings.
enum Bytes {
    static let crlfcrlf: [UInt8] = Array("\r\n\r\n".utf8)

    /// Appends `value` as exactly `width` decimal digits (zero-padded, high digits cut).
    @inline(__always)
    static func appendDigits(_ value: Int64, width: Int, into out: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor &*= 10 }
        var rest = value
        for _ in 0..<width {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: (rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
            if divisor == 0 { divisor = 1 }
        }
    }

    /// Appends `value` in decimal, as short as possible.
    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var digits: [UInt8] = []
        var rest = value
        while rest > 0 {
            digits.append(UInt8(ascii: "0") &+ UInt8(rest % 10))
            rest /= 10
        }
        out.append(contentsOf: digits.reversed())
    }

    /// Reads `width` decimal digits at `offset`; nil if any is not a digit or out of range.
    @inline(__always)
    static func readDigits(_ bytes: UnsafeRawBufferPointer, at offset: Int, width: Int) -> Int64? {
        guard offset >= 0, offset + width <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in offset..<offset + width {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }

    /// Reads a run of decimal digits at `offset`: the value and how many digits.
    static func readDecimal(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (value: Int, length: Int)? {
        var index = offset
        var value = 0
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10, index - offset < 18 {
            value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        return index > offset ? (value, index - offset) : nil
    }

    /// The offset of the first "\r\n\r\n" at or after `from`.
    static func findHeadEnd(_ bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard bytes.count >= from + 4 else { return nil }
        var index = from
        let last = bytes.count - 4
        while index <= last {
            if bytes[index + 3] == 0x0A {
                if bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D { return index }
                index += 1
            } else if bytes[index + 3] == 0x0D {
                index += 1
            } else {
                index += 4
            }
        }
        return nil
    }

    /// The index of `byte` in `bytes[from..<to]`.
    @inline(__always)
    static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        var index = from
        while index < to {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// Whether `bytes[offset...]` starts with `prefix` (ASCII, case-insensitive).
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ prefix: [UInt8], caseInsensitive: Bool = false) -> Bool {
        guard offset + prefix.count <= bytes.count else { return false }
        for (index, expected) in prefix.enumerated() {
            var actual = bytes[offset + index]
            if caseInsensitive && actual >= 0x41 && actual <= 0x5A { actual |= 0x20 }
            if actual != expected { return false }
        }
        return true
    }

    /// The string value of `"key":"value"` in a small JSON object.
    static func jsonString(_ bytes: UnsafeRawBufferPointer, key: String) -> String? {
        let needle = Array("\"\(key)\":\"".utf8)
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where hasPrefix(bytes, at: start, needle) {
            let valueStart = start + needle.count
            guard let end = find(UInt8(ascii: "\""), in: bytes, from: valueStart, to: bytes.count) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<end]), as: UTF8.self)
        }
        return nil
    }
}

/// One parsed HTTP response head.
struct ResponseHead {
    var status: Int
    /// Bytes of the head including the blank line.
    var length: Int
    var contentLength: Int?
    var isEventStream: Bool
    var closes: Bool
    var chunked = false
}

/// One complete response (or the start of an event stream) at the front of a buffer.
enum ResponseRead {
    case incomplete
    case invalid(String)
    /// An event stream begins after `head.length` bytes.
    case stream(ResponseHead)
    /// A whole response: its body and the bytes it used.
    case response(ResponseHead, body: ResponseBody, end: Int)
}

enum ResponseBody {
    /// In place, in the buffer given to `read`.
    case range(Range<Int>)
    /// Reassembled from chunks.
    case bytes([UInt8])

    func with<R>(_ buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .range(let range): return body(UnsafeRawBufferPointer(rebasing: buffer[range]))
        case .bytes(let bytes): return bytes.withUnsafeBytes(body)
        }
    }
}

enum HTTPResponseReader {
    /// Reads the response at the start of `bytes` (Content-Length, chunked, or an event stream).
    static func read(_ bytes: UnsafeRawBufferPointer) -> ResponseRead {
        switch HTTPResponseHeadParser.parse(bytes) {
        case .incomplete: return .incomplete
        case .invalid: return .invalid("unreadable response head")
        case .head(let head):
            if head.isEventStream && !head.chunked && head.contentLength == nil { return .stream(head) }
            if head.chunked {
                switch dechunk(bytes, from: head.length) {
                case .none: return .incomplete
                case .some(nil): return .invalid("bad chunked body")
                case .some(.some(let (body, end))): return .response(head, body: .bytes(body), end: end)
                }
            }
            let length = head.contentLength ?? 0
            guard bytes.count >= head.length + length else { return .incomplete }
            return .response(head, body: .range(head.length..<(head.length + length)), end: head.length + length)
        }
    }

    /// A chunked body from `offset`: nil until complete, .some(nil) if malformed.
    private static func dechunk(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> (body: [UInt8], end: Int)?? {
        var body: [UInt8] = []
        var index = offset
        while true {
            guard let lineEnd = Bytes.find(0x0A, in: bytes, from: index, to: bytes.count) else { return nil }
            var size = 0
            var digits = 0
            var cursor = index
            while cursor < lineEnd {
                let byte = bytes[cursor] | 0x20
                let value: Int
                if byte >= 0x30 && byte <= 0x39 { value = Int(byte - 0x30) } else if byte >= 0x61 && byte <= 0x66 { value = Int(byte - 0x61 + 10) } else { break }
                size = size * 16 + value
                digits += 1
                cursor += 1
                if digits > 8 { return .some(nil) }
            }
            guard digits > 0 else { return .some(nil) }
            index = lineEnd + 1
            if size == 0 {
                // Trailers, then an empty line.
                while true {
                    guard let end = Bytes.find(0x0A, in: bytes, from: index, to: bytes.count) else { return nil }
                    let empty = end == index || (end == index + 1 && bytes[index] == 0x0D)
                    index = end + 1
                    if empty { return .some((body, index)) }
                }
            }
            guard bytes.count >= index + size + 2 else { return nil }
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + size)]))
            index += size
            if bytes[index] == 0x0D { index += 1 }
            guard index < bytes.count, bytes[index] == 0x0A else { return .some(nil) }
            index += 1
        }
    }
}

enum HTTPResponseHeadParser {
    private static let contentLength = Array("content-length:".utf8)
    private static let contentType = Array("content-type:".utf8)
    private static let connection = Array("connection:".utf8)
    private static let eventStream = Array("text/event-stream".utf8)
    private static let close = Array("close".utf8)
    private static let transferEncoding = Array("transfer-encoding:".utf8)
    private static let chunked = Array("chunked".utf8)

    enum Result {
        case incomplete
        case invalid
        case head(ResponseHead)
    }

    /// Parses the head at the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        guard let end = Bytes.findHeadEnd(bytes) else { return bytes.count > 64 << 10 ? .invalid : .incomplete }
        // "HTTP/1.1 200 ..."
        guard bytes.count >= 12, let status = Bytes.readDigits(bytes, at: 9, width: 3) else { return .invalid }
        var head = ResponseHead(status: Int(status), length: end + 4, contentLength: nil, isEventStream: false, closes: false)
        var line = (Bytes.find(0x0A, in: bytes, from: 0, to: end) ?? end) + 1
        while line < end {
            let lineEnd = Bytes.find(0x0D, in: bytes, from: line, to: end + 1) ?? end
            if Bytes.hasPrefix(bytes, at: line, contentLength, caseInsensitive: true) {
                var index = line + contentLength.count
                while index < lineEnd && bytes[index] == 0x20 { index += 1 }
                head.contentLength = Bytes.readDecimal(bytes, at: index)?.value
            } else if Bytes.hasPrefix(bytes, at: line, contentType, caseInsensitive: true) {
                var index = line + contentType.count
                while index < lineEnd && bytes[index] == 0x20 { index += 1 }
                head.isEventStream = Bytes.hasPrefix(bytes, at: index, eventStream, caseInsensitive: true)
            } else if Bytes.hasPrefix(bytes, at: line, connection, caseInsensitive: true) {
                var index = line + connection.count
                while index < lineEnd && bytes[index] == 0x20 { index += 1 }
                head.closes = Bytes.hasPrefix(bytes, at: index, close, caseInsensitive: true)
            } else if Bytes.hasPrefix(bytes, at: line, transferEncoding, caseInsensitive: true) {
                var index = line + transferEncoding.count
                while index < lineEnd && bytes[index] == 0x20 { index += 1 }
                head.chunked = Bytes.hasPrefix(bytes, at: index, chunked, caseInsensitive: true)
            }
            line = lineEnd + 2
        }
        return .head(head)
    }
}

/// Client-side WebSocket frames: always masked (RFC 6455 §5.3), final, shortest length form.
enum ClientFrameEncoder {
    /// Appends one masked frame whose payload is `prefix` (if any) followed by `payload`.
    @inline(__always)
    static func append(opcode: UInt8, prefix: UInt8?, payload: UnsafeRawBufferPointer, key: UInt32, into out: inout [UInt8]) {
        let length = payload.count + (prefix == nil ? 0 : 1)
        out.append(0x80 | opcode)
        if length < 126 {
            out.append(0x80 | UInt8(length))
        } else if length <= 0xFFFF {
            out.append(0x80 | 126)
            out.append(UInt8(truncatingIfNeeded: length >> 8))
            out.append(UInt8(truncatingIfNeeded: length))
        } else {
            out.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> shift)) }
        }
        let k0 = UInt8(truncatingIfNeeded: key >> 24), k1 = UInt8(truncatingIfNeeded: key >> 16)
        let k2 = UInt8(truncatingIfNeeded: key >> 8), k3 = UInt8(truncatingIfNeeded: key)
        out.append(k0); out.append(k1); out.append(k2); out.append(k3)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBufferPointer { all in
            var target = start
            var phase = 0
            let keys = (k0, k1, k2, k3)
            @inline(__always) func keyByte(_ phase: Int) -> UInt8 {
                switch phase & 3 { case 0: return keys.0; case 1: return keys.1; case 2: return keys.2; default: return keys.3 }
            }
            if let prefix {
                all[target] = prefix ^ keyByte(phase)
                target += 1
                phase += 1
            }
            for byte in payload {
                all[target] = byte ^ keyByte(phase)
                target += 1
                phase += 1
            }
        }
    }
}

/// A fast, non-cryptographic random source (mask keys).
struct XorShift {
    var state: UInt64

    @inline(__always)
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

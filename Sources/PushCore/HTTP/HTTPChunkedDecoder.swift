/// The framing of a chunked body (RFC 9112 §7.1): chunk-size lines, extensions, the line end
/// after each chunk's data, and the last chunk. Shared by the request and response parsers,
/// which hand out the data bytes themselves and parse the trailer block with their field lines.
struct HTTPChunkedDecoder: Sendable {
    enum State: Sendable, Equatable {
        case size(size: Int, digits: Int)
        /// Whitespace after the size, before a `;` (RFC 9112 BWS).
        case sizeSpace(size: Int, length: Int)
        case chunkExtension(size: Int, length: Int)
        /// CR seen at the end of a chunk-size line.
        case sizeLF(size: Int)
        /// This many data bytes are still to come.
        case data(remaining: Int)
        case dataCR
        case dataLF
        /// The last chunk was read: the trailer block comes next.
        case trailers
    }

    var state: State = .size(size: 0, digits: 0)
    /// Sum of the chunk sizes so far (checked against the body limit digit by digit).
    var received = 0

    /// Whether the decoder is inside framing bytes (neither data nor trailers).
    var isFraming: Bool {
        switch state {
        case .data, .trailers: false
        default: true
        }
    }

    /// Takes `count` data bytes of the current chunk (`count` at most what remains).
    mutating func tookData(_ count: Int, remaining: Int) {
        state = count == remaining ? .dataCR : .data(remaining: remaining &- count)
    }

    /// Consumes chunk-size lines and the line end after chunk data, byte by byte (they are a few
    /// bytes each); stops when data or trailers begin or the input runs out.
    mutating func parseFraming(
        _ input: UnsafeRawBufferPointer, _ offset: inout Int, bodyLimit: Int, maxExtensionBytes: Int
    ) -> HTTPParseError? {
        let count = input.count
        while offset < count {
            let byte = input[offset]
            switch state {
            case .size(let size, let digits):
                if let digit = HTTPBytes.hexValue(byte) {
                    if digits >= 16 { return .badRequest("chunk size too long") }
                    let (shifted, overflow1) = size.multipliedReportingOverflow(by: 16)
                    let (value, overflow2) = shifted.addingReportingOverflow(digit)
                    if overflow1 || overflow2 { return .badRequest("chunk size overflow") }
                    // The size only grows with more digits, so the limit check need not wait for the line end.
                    let (total, overflow3) = received.addingReportingOverflow(value)
                    if overflow3 || total > bodyLimit { return .bodyTooLarge }
                    state = .size(size: value, digits: digits &+ 1)
                } else if digits == 0 {
                    return .badRequest("invalid chunk size")
                } else if byte == HTTPBytes.semicolon || HTTPBytes.isWhitespace(byte) {
                    if maxExtensionBytes < 1 { return .badRequest("chunk extension too long") }
                    state = byte == HTTPBytes.semicolon
                        ? .chunkExtension(size: size, length: 1) : .sizeSpace(size: size, length: 1)
                } else if byte == HTTPBytes.cr {
                    state = .sizeLF(size: size)
                } else if byte == HTTPBytes.lf {
                    finishSize(size)
                } else {
                    return .badRequest("invalid chunk size")
                }
            case .sizeSpace(let size, let length):
                if length >= maxExtensionBytes { return .badRequest("chunk extension too long") }
                if HTTPBytes.isWhitespace(byte) {
                    state = .sizeSpace(size: size, length: length &+ 1)
                } else if byte == HTTPBytes.semicolon {
                    state = .chunkExtension(size: size, length: length &+ 1)
                } else {
                    return .badRequest("invalid chunk size")
                }
            case .chunkExtension(let size, var length):
                // Extensions are skipped unread; only their bytes and length are checked.
                var i = offset
                while i < count {
                    let b = input[i]
                    if b == HTTPBytes.cr || b == HTTPBytes.lf { break }
                    if !HTTPBytes.isFieldValueByte(b) { return .badRequest("invalid character in chunk extension") }
                    length &+= 1
                    if length > maxExtensionBytes { return .badRequest("chunk extension too long") }
                    i &+= 1
                }
                offset = i
                if i == count {
                    state = .chunkExtension(size: size, length: length)
                    return nil
                }
                if input[i] == HTTPBytes.cr { state = .sizeLF(size: size) } else { finishSize(size) }
            case .sizeLF(let size):
                if byte != HTTPBytes.lf { return .badRequest("bare CR in chunk size line") }
                finishSize(size)
            case .dataCR:
                if byte == HTTPBytes.cr {
                    state = .dataLF
                } else if byte == HTTPBytes.lf {
                    state = .size(size: 0, digits: 0)
                } else {
                    return .badRequest("missing CRLF after chunk data")
                }
            case .dataLF:
                if byte != HTTPBytes.lf { return .badRequest("missing CRLF after chunk data") }
                state = .size(size: 0, digits: 0)
            case .data, .trailers:
                return nil
            }
            offset &+= 1
            if !isFraming { return nil }
        }
        return nil
    }

    private mutating func finishSize(_ size: Int) {
        if size == 0 {
            state = .trailers
        } else {
            received &+= size  // cannot overflow: checked against the limit digit by digit
            state = .data(remaining: size)
        }
    }
}

/// Incremental HTTP/1.1 response parser (RFC 9112), the client's half of `HTTPRequestParser`,
/// built from the same pieces: field lines, framing facts, the header block scanner and the
/// chunked decoder. Works in place on the caller's bytes the same way: pass the unconsumed
/// bytes, drop `consumed` of them, call again with more until `.needMore`.
///
/// Events per response: `.head`, zero or more `.body`, then `.end`, after which the parser waits
/// for the next response on the connection; interim 1xx responses are skipped. A body framed by the connection's end needs `finish()` when the peer closes. Limits:
/// the status line gives `.uriTooLong` past `maxRequestLineBytes`, the header and trailer blocks
/// `.headerTooLarge` / `.tooManyHeaders`, the body `.bodyTooLarge` past `maxBodyBytes` (a
/// Content-Length over it is reported right after `.head`). Other violations are `.badRequest`
/// naming the rule. Only `chunked` is decoded: other codings are `.notImplemented`, and
/// Transfer-Encoding with Content-Length is refused rather than guessed at.
package struct HTTPResponseParser: Sendable {
    enum State: Sendable {
        case statusLine
        case headerLines
        /// `.head` was returned; body framing (and the Content-Length limit) is applied next call.
        case bodyStart
        case fixedBody(remaining: Int)
        case chunked
        case trailerLines
        case untilClose
        case failed(HTTPParseError)
    }

    /// The limits this parser enforces.
    package let limits: HTTPLimits
    var state: State = .statusLine
    /// Bytes of the current incomplete status line known to hold no LF.
    var scanned = 0
    var block = HTTPFieldBlockScanner()
    var chunked = HTTPChunkedDecoder()
    var status = 0
    var reason = ""
    var versionMinor = 1
    var headers = HTTPHeaders()
    var trailers = HTTPHeaders()
    var facts = HTTPFieldFacts()
    var bodyKind: HTTPResponseBodyKind = .none
    var bodyReceived = 0

    /// A parser waiting for a status line.
    package init(limits: HTTPLimits = .init()) {
        var capped = limits
        capped.maxHeaderBytes = min(limits.maxHeaderBytes, 1 << 30)
        self.limits = capped
    }

    /// Forgets everything, including a failure, for the next response on a connection.
    package mutating func reset() {
        state = .statusLine
        scanned = 0
        block = HTTPFieldBlockScanner()
        chunked = HTTPChunkedDecoder()
        status = 0
        reason = ""
        versionMinor = 1
        headers = HTTPHeaders()
        trailers = HTTPHeaders()
        facts = HTTPFieldFacts()
        bodyKind = .none
        bodyReceived = 0
    }

    /// Whether the parser is between responses (nothing of the next one seen yet).
    package var isIdle: Bool {
        if case .statusLine = state { return scanned == 0 }
        return false
    }

    /// The peer closed the connection: ends a body framed by the close, else reports the
    /// response as cut short.
    package mutating func finish() -> HTTPResponseParseEvent {
        switch state {
        case .untilClose:
            reset()
            return .end(trailers: HTTPHeaders())
        case .failed(let error):
            return .error(error)
        default:
            let error = HTTPParseError.badRequest("connection closed before the response was complete")
            state = .failed(error)
            return .error(error)
        }
    }

    /// Parses from the start of `input`; returns one event and how many bytes it consumed.
    package mutating func parse(_ input: UnsafeRawBufferPointer) -> (event: HTTPResponseParseEvent, consumed: Int) {
        var offset = 0
        var blockStart = 0
        switch state {
        case .headerLines, .trailerLines:
            guard block.blockBytes <= input.count else {
                return fail(.badRequest("input shorter than the bytes already parsed"), 0)
            }
            offset = block.blockBytes
        default:
            break
        }
        while true {
            switch state {
            case .statusLine:
                let available = input.count &- offset
                let cap = limits.maxRequestLineBytes
                let longest = cap > Int.max &- 2 ? Int.max : cap &+ 2
                let window = min(available, longest)
                let from = offset &+ min(scanned, window)
                guard let lf = HTTPBytes.firstLF(input, from: from, to: offset &+ window) else {
                    if available >= longest || (available == cap &+ 1 && input[offset &+ cap] != HTTPBytes.cr) {
                        return fail(.uriTooLong, offset)
                    }
                    scanned = window
                    return (.needMore, offset)
                }
                scanned = 0
                let end = HTTPBytes.contentEnd(input, offset, lf)
                if end &- offset > cap { return fail(.uriTooLong, offset) }
                if let error = parseStatusLine(input, offset, end) { return fail(error, offset) }
                offset = lf &+ 1
                state = .headerLines
                block.begin()
                blockStart = offset

            case .headerLines, .trailerLines:
                let isTrailer: Bool
                if case .trailerLines = state { isTrailer = true } else { isTrailer = false }
                switch block.next(input, offset: offset, blockStart: blockStart, maxBytes: limits.maxHeaderBytes,
                                  maxCount: limits.maxHeaderCount) {
                case .needMore:
                    return (.needMore, blockStart)
                case .tooLarge:
                    return fail(.headerTooLarge, blockStart)
                case .tooMany:
                    return fail(.tooManyHeaders, blockStart)
                case .end(let next):
                    let bytes = UnsafeRawBufferPointer(rebasing: input[blockStart..<offset])
                    if isTrailer {
                        trailers = HTTPHeaders(parsedBlock: bytes, fieldCount: block.fieldCount)
                        return complete(next)
                    }
                    if status < 200 {
                        // An interim response (100 Continue, 103 Early Hints): the final one follows.
                        let keptOffset = next
                        reset()
                        offset = keptOffset
                        continue
                    }
                    headers = HTTPHeaders(parsedBlock: bytes, fieldCount: block.fieldCount)
                    if let error = checkFraming() { return fail(error, next) }
                    state = .bodyStart
                    return (.head(takeHead()), next)
                case .field(let end, let next):
                    let field: HTTPFieldLine
                    switch HTTPFieldLine.parse(input, offset, end) {
                    case .success(let parsed): field = parsed
                    case .failure(let error): return fail(error, blockStart)
                    }
                    if !isTrailer, let error = facts.note(input, offset, field.nameEnd, field.valueStart, field.valueEnd) {
                        return fail(error, blockStart)
                    }
                    offset = next
                }

            case .bodyStart:
                switch bodyKind {
                case .none:
                    return complete(offset)
                case .length(let length):
                    if length > limits.maxBodyBytes { return fail(.bodyTooLarge, offset) }
                    if length == 0 { return complete(offset) }
                    state = .fixedBody(remaining: length)
                case .chunked:
                    chunked = HTTPChunkedDecoder()
                    state = .chunked
                case .untilClose:
                    state = .untilClose
                }

            case .fixedBody(let remaining):
                if remaining == 0 { return complete(offset) }
                let take = min(input.count &- offset, remaining)
                if take == 0 { return (.needMore, offset) }
                if take == remaining {
                    // The data goes out first; the next call (with no input left) ends the response.
                    state = .fixedBody(remaining: 0)
                } else {
                    state = .fixedBody(remaining: remaining &- take)
                }
                return (.body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset &+ take)])), offset &+ take)

            case .untilClose:
                let take = input.count &- offset
                if take == 0 { return (.needMore, offset) }
                bodyReceived = bodyReceived > Int.max &- take ? Int.max : bodyReceived &+ take
                if bodyReceived > limits.maxBodyBytes { return fail(.bodyTooLarge, offset) }
                return (.body(UnsafeRawBufferPointer(rebasing: input[offset...])), input.count)

            case .chunked:
                switch chunked.state {
                case .data(let remaining):
                    let take = min(input.count &- offset, remaining)
                    if take == 0 { return (.needMore, offset) }
                    chunked.tookData(take, remaining: remaining)
                    return (.body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset &+ take)])), offset &+ take)
                case .trailers:
                    state = .trailerLines
                    block.begin()
                    blockStart = offset
                default:
                    if let error = chunked.parseFraming(input, &offset, bodyLimit: limits.maxBodyBytes,
                                                        maxExtensionBytes: limits.maxChunkExtensionBytes) {
                        return fail(error, offset)
                    }
                    if offset == input.count, chunked.isFraming { return (.needMore, offset) }
                }

            case .failed(let error):
                return (.error(error), 0)
            }
        }
    }

    /// Parses `HTTP/1.x SP 3DIGIT [SP reason]` in `input[start..<end]`.
    mutating func parseStatusLine(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTPParseError? {
        guard end &- start >= 12, HTTPBytes.equalsExactly(input, start, start &+ 5, "HTTP/"),
              input[start &+ 6] == 46, input[start &+ 8] == HTTPBytes.sp else {
            return .badRequest("invalid status line")
        }
        let major = input[start &+ 5] &- 48
        let minor = input[start &+ 7] &- 48
        guard major < 10, minor < 10 else { return .badRequest("invalid status line") }
        guard major == 1, minor <= 1 else { return .versionNotSupported }
        var code = 0
        for k in (start &+ 9)..<(start &+ 12) {
            let digit = input[k] &- 48
            guard digit < 10 else { return .badRequest("invalid status code") }
            code = code &* 10 &+ Int(digit)
        }
        guard code >= 100 else { return .badRequest("invalid status code") }
        var reasonStart = start &+ 12
        if reasonStart < end {
            guard input[reasonStart] == HTTPBytes.sp else { return .badRequest("invalid status line") }
            reasonStart &+= 1
            guard HTTPBytes.allFieldValueBytes(input, reasonStart, end) else {
                return .badRequest("invalid character in reason phrase")
            }
        }
        status = code
        versionMinor = Int(minor)
        reason = reasonStart < end ? HTTPBytes.string(input, reasonStart, end) : ""
        return nil
    }

    /// Applies RFC 9112 §6.3 to the complete header block; sets `bodyKind`.
    mutating func checkFraming() -> HTTPParseError? {
        if status == 204 || status == 304 {
            bodyKind = .none
        } else if facts.transferEncodingSeen {
            if facts.contentLength != nil { return .badRequest("both Transfer-Encoding and Content-Length") }
            if let error = facts.transferEncodingError() { return error }
            bodyKind = .chunked
        } else if let length = facts.contentLength {
            bodyKind = .length(length)
        } else {
            bodyKind = .untilClose
        }
        return nil
    }

    mutating func takeHead() -> HTTPResponseHead {
        var fields = HTTPHeaders()
        swap(&fields, &headers)
        var keepAlive = versionMinor == 1 ? !facts.connectionClose : facts.connectionKeepAlive && !facts.connectionClose
        if bodyKind == .untilClose { keepAlive = false }
        return HTTPResponseHead(status: status, reason: reason, versionMinor: versionMinor, headers: fields,
                                keepAlive: keepAlive, body: bodyKind)
    }

    /// Ends the response; the parser is ready for the next one on the connection.
    mutating func complete(_ consumed: Int) -> (event: HTTPResponseParseEvent, consumed: Int) {
        let finished = trailers
        reset()
        return (.end(trailers: finished), consumed)
    }

    mutating func fail(_ error: HTTPParseError, _ consumed: Int) -> (event: HTTPResponseParseEvent, consumed: Int) {
        state = .failed(error)
        return (.error(error), consumed)
    }
}

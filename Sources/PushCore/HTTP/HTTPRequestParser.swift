/// Incremental HTTP/1.1 request parser (RFC 9112) that works in place on the caller's bytes.
///
/// The caller owns the input buffer: it passes its unconsumed bytes, drops `consumed` of them,
/// and calls again with the rest plus whatever it read next, until `.needMore`. The request
/// line is consumed once parsed; a header (or trailer) block stays in the caller's buffer until
/// it is complete, its lines validated as they arrive and their offsets recorded, and is then
/// copied out in one piece (no String per field: `HTTPHeaders` makes them on demand). The parser
/// remembers how far it already looked for the next LF, so a head trickling in byte by byte is
/// scanned once, not quadratically; the bytes held are bounded by `maxHeaderBytes`.
///
/// Events per request: `.head`, zero or more `.body`, then `.end`; the parser is then ready for a
/// pipelined request in the same input. Any violation yields `.error`, and the parser stays
/// failed until `reset()`.
///
/// Limits are reported as soon as the received bytes prove they are exceeded, without waiting
/// for a line end: a request line gives 414 once `maxRequestLineBytes + 1` bytes of it arrived
/// (CR aside) with no LF; a header block gives 431 once its bytes reach `maxHeaderBytes` without
/// the ending empty line; a chunked body gives 413 at the hex digit that takes the total past
/// the limit. A Content-Length over the limit is reported on the call after `.head`, so the
/// caller sees the head first and may raise the limit with `setBodyLimit(_:)` before that call.
///
/// Leniencies, all shared with common servers: a bare LF ends a line wherever CRLF does (a bare CR
/// never does); up to `maxLeadingEmptyLines` empty lines before a request line are skipped.
/// Transfer codings: only `chunked` is implemented; `chunked` missing, repeated or not last is a
/// 400, and any coding before a final `chunked` (e.g. `gzip, chunked`) is a 501.
public struct HTTPRequestParser: Sendable {
    enum State: Sendable {
        case requestLine
        case headerLines
        /// `.head` was returned; body framing (and the Content-Length limit) is applied next call.
        case bodyStart
        case fixedBody(remaining: Int)
        case chunkSize(size: Int, digits: Int)
        /// Whitespace after the size, before a `;` (RFC 9112 BWS).
        case chunkSizeSpace(size: Int, length: Int)
        case chunkExtension(size: Int, length: Int)
        /// CR seen at the end of a chunk-size line.
        case chunkSizeLF(size: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLines
        case complete
        case failed(HTTPParseError)
    }

    /// The limits this parser enforces.
    public private(set) var limits: HTTPLimits
    var state: State = .requestLine
    var bodyLimit: Int
    /// Bytes from the start of the current incomplete line known to hold no LF.
    var scanned = 0
    var emptyLines = 0
    /// Bytes of the current header or trailer block parsed so far (kept in the caller's buffer).
    var blockBytes = 0
    var fieldCount = 0
    var bodyReceived = 0
    var line = RequestLine()
    var headers = HTTPHeaders()
    var trailers = HTTPHeaders()
    var facts = FieldFacts()
    var bodyKind: HTTPBodyKind = .none

    /// A parser waiting for a request line.
    public init(limits: HTTPLimits = .init()) {
        self.limits = limits
        // Field offsets are kept in 32 bits; no sane header block comes near this.
        self.limits.maxHeaderBytes = min(limits.maxHeaderBytes, 1 << 30)
        self.bodyLimit = limits.maxBodyBytes
    }

    /// Overrides the body limit for the current request (call after `.head`); the next request
    /// starts again from `limits.maxBodyBytes`.
    public mutating func setBodyLimit(_ bytes: Int) {
        bodyLimit = max(0, bytes)
    }

    /// Forgets everything, including a failure; not needed between pipelined requests.
    public mutating func reset() {
        startNextRequest()
    }

    /// Parses from the start of `input` (the caller's unconsumed bytes); returns one event and how
    /// many bytes of `input` it consumed.
    public mutating func parse(_ input: UnsafeRawBufferPointer) -> (event: HTTPParseEvent, consumed: Int) {
        var offset = 0
        // Where the header or trailer block being parsed starts in `input`: its bytes stay in the
        // caller's buffer until the block is complete, then are copied out in one piece.
        var blockStart = 0
        if isInFieldBlock {
            guard blockBytes <= input.count else {
                return fail(.badRequest("input shorter than the bytes already parsed"), 0)
            }
            offset = blockBytes
        }
        while true {
            switch state {
            case .requestLine:
                let available = input.count &- offset
                let cap = limits.maxRequestLineBytes
                let longest = Self.saturatingAdd(cap, 2)  // content + CR + LF
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
                let end = Self.contentEnd(input, offset, lf)
                if end == offset {
                    emptyLines &+= 1
                    if emptyLines > limits.maxLeadingEmptyLines {
                        return fail(.badRequest("too many empty lines before request line"), offset)
                    }
                    offset = lf &+ 1
                    continue
                }
                if end &- offset > cap { return fail(.uriTooLong, offset) }
                if let error = parseRequestLine(input, offset, end) { return fail(error, offset) }
                offset = lf &+ 1
                beginFieldBlock(.headerLines)
                blockStart = offset

            case .headerLines, .trailerLines:
                let isTrailer: Bool
                if case .trailerLines = state { isTrailer = true } else { isTrailer = false }
                let available = input.count &- offset
                let budget = limits.maxHeaderBytes &- blockBytes
                let window = min(available, budget)
                let from = offset &+ min(scanned, window)
                guard let lf = HTTPBytes.firstLF(input, from: from, to: offset &+ window) else {
                    // The block's bytes already fill the budget and it has not ended: it cannot fit.
                    if available >= budget { return fail(.headerTooLarge, blockStart) }
                    scanned = window
                    return (.needMore, blockStart)
                }
                scanned = 0
                let next = lf &+ 1
                blockBytes = next &- blockStart
                let end = Self.contentEnd(input, offset, lf)
                if end == offset {
                    let block = UnsafeRawBufferPointer(rebasing: input[blockStart..<offset])
                    if isTrailer {
                        trailers.storage = [UInt8](block)
                        return complete(next)
                    }
                    headers.storage = [UInt8](block)
                    if let error = checkFraming() { return fail(error, next) }
                    state = .bodyStart
                    return (.head(takeHead()), next)
                }
                fieldCount &+= 1
                if fieldCount > limits.maxHeaderCount { return fail(.tooManyHeaders, blockStart) }
                if let error = parseFieldLine(input, blockStart, offset, end, isTrailer: isTrailer) {
                    return fail(error, blockStart)
                }
                offset = next

            case .bodyStart:
                switch bodyKind {
                case .none:
                    return complete(offset)
                case .length(let length):
                    if length > bodyLimit { return fail(.bodyTooLarge, offset) }
                    if length == 0 { return complete(offset) }
                    state = .fixedBody(remaining: length)
                case .chunked:
                    state = .chunkSize(size: 0, digits: 0)
                }

            case .fixedBody(let remaining):
                let take = min(input.count &- offset, remaining)
                if take == 0 { return (.needMore, offset) }
                state = take == remaining ? .complete : .fixedBody(remaining: remaining &- take)
                return (.body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset &+ take)])), offset &+ take)

            case .chunkData(let remaining):
                let take = min(input.count &- offset, remaining)
                if take == 0 { return (.needMore, offset) }
                state = take == remaining ? .chunkDataCR : .chunkData(remaining: remaining &- take)
                return (.body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset &+ take)])), offset &+ take)

            case .chunkSize, .chunkSizeSpace, .chunkExtension, .chunkSizeLF, .chunkDataCR, .chunkDataLF:
                if let error = parseChunkFraming(input, &offset) { return fail(error, offset) }
                if offset == input.count, isChunkFraming { return (.needMore, offset) }
                blockStart = offset  // in case the trailer block begins here

            case .complete:
                return complete(offset)

            case .failed(let error):
                return (.error(error), 0)
            }
        }
    }

    // MARK: - Chunked framing

    var isInFieldBlock: Bool {
        switch state {
        case .headerLines, .trailerLines: true
        default: false
        }
    }

    mutating func beginFieldBlock(_ next: State) {
        state = next
        blockBytes = 0
        fieldCount = 0
        scanned = 0
    }

    var isChunkFraming: Bool {
        switch state {
        case .chunkSize, .chunkSizeSpace, .chunkExtension, .chunkSizeLF, .chunkDataCR, .chunkDataLF: true
        default: false
        }
    }

    /// Consumes chunk-size lines and the line end after chunk data, byte by byte (they are a few
    /// bytes each); stops when data or trailers begin or the input runs out.
    mutating func parseChunkFraming(_ input: UnsafeRawBufferPointer, _ offset: inout Int) -> HTTPParseError? {
        let count = input.count
        while offset < count {
            let byte = input[offset]
            switch state {
            case .chunkSize(let size, let digits):
                if let digit = HTTPBytes.hexValue(byte) {
                    if digits >= 16 { return .badRequest("chunk size too long") }
                    let (shifted, overflow1) = size.multipliedReportingOverflow(by: 16)
                    let (value, overflow2) = shifted.addingReportingOverflow(digit)
                    if overflow1 || overflow2 { return .badRequest("chunk size overflow") }
                    // The size only grows with more digits, so the limit check need not wait for the line end.
                    let (total, overflow3) = bodyReceived.addingReportingOverflow(value)
                    if overflow3 || total > bodyLimit { return .bodyTooLarge }
                    state = .chunkSize(size: value, digits: digits &+ 1)
                } else if digits == 0 {
                    return .badRequest("invalid chunk size")
                } else if byte == HTTPBytes.semicolon || HTTPBytes.isWhitespace(byte) {
                    if limits.maxChunkExtensionBytes < 1 { return .badRequest("chunk extension too long") }
                    state = byte == HTTPBytes.semicolon
                        ? .chunkExtension(size: size, length: 1) : .chunkSizeSpace(size: size, length: 1)
                } else if byte == HTTPBytes.cr {
                    state = .chunkSizeLF(size: size)
                } else if byte == HTTPBytes.lf {
                    finishChunkSize(size)
                } else {
                    return .badRequest("invalid chunk size")
                }
            case .chunkSizeSpace(let size, let length):
                if length >= limits.maxChunkExtensionBytes { return .badRequest("chunk extension too long") }
                if HTTPBytes.isWhitespace(byte) {
                    state = .chunkSizeSpace(size: size, length: length &+ 1)
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
                    if length > limits.maxChunkExtensionBytes { return .badRequest("chunk extension too long") }
                    i &+= 1
                }
                offset = i
                if i == count {
                    state = .chunkExtension(size: size, length: length)
                    return nil
                }
                if input[i] == HTTPBytes.cr { state = .chunkSizeLF(size: size) } else { finishChunkSize(size) }
            case .chunkSizeLF(let size):
                if byte != HTTPBytes.lf { return .badRequest("bare CR in chunk size line") }
                finishChunkSize(size)
            case .chunkDataCR:
                if byte == HTTPBytes.cr {
                    state = .chunkDataLF
                } else if byte == HTTPBytes.lf {
                    state = .chunkSize(size: 0, digits: 0)
                } else {
                    return .badRequest("missing CRLF after chunk data")
                }
            case .chunkDataLF:
                if byte != HTTPBytes.lf { return .badRequest("missing CRLF after chunk data") }
                state = .chunkSize(size: 0, digits: 0)
            default:
                return nil
            }
            offset &+= 1
        }
        return nil
    }

    mutating func finishChunkSize(_ size: Int) {
        if size == 0 {
            beginFieldBlock(.trailerLines)
        } else {
            bodyReceived &+= size  // cannot overflow: checked against the limit digit by digit
            state = .chunkData(remaining: size)
        }
    }

    // MARK: - Helpers

    /// Index where a line's content ends: before the CR of a CRLF, else at the LF.
    @inline(__always)
    static func contentEnd(_ input: UnsafeRawBufferPointer, _ start: Int, _ lf: Int) -> Int {
        lf > start && input[lf &- 1] == HTTPBytes.cr ? lf &- 1 : lf
    }

    @inline(__always)
    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    mutating func fail(_ error: HTTPParseError, _ consumed: Int) -> (event: HTTPParseEvent, consumed: Int) {
        state = .failed(error)
        return (.error(error), consumed)
    }

    mutating func complete(_ consumed: Int) -> (event: HTTPParseEvent, consumed: Int) {
        let finished = trailers
        startNextRequest()
        return (.end(trailers: finished), consumed)
    }

    mutating func startNextRequest() {
        state = .requestLine
        bodyLimit = limits.maxBodyBytes
        scanned = 0
        emptyLines = 0
        blockBytes = 0
        fieldCount = 0
        bodyReceived = 0
        line = RequestLine()
        headers = HTTPHeaders()
        trailers = HTTPHeaders()
        facts = FieldFacts()
        bodyKind = .none
    }
}

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
package struct HTTPRequestParser: Sendable {
    enum State: Sendable {
        case requestLine
        case headerLines
        /// `.head` was returned; body framing (and the Content-Length limit) is applied next call.
        case bodyStart
        case fixedBody(remaining: Int)
        /// A chunked body; `chunked` holds where in its framing the parser is.
        case chunked
        case trailerLines
        case complete
        /// Why is in `failure`: a state without a payload to retain is copied for nothing by
        /// each of the loop's switches.
        case failed
    }

    /// The limits this parser enforces.
    package private(set) var limits: HTTPLimits
    var state: State = .requestLine
    /// The first Upgrade field's index (-1: none), read when Connection lists `upgrade`. 32
    /// bits, after the state: it takes the state's padding, not a word of its own.
    var upgradeField: Int32 = -1
    /// What put the parser in `.failed`.
    var failure: HTTPParseError = .badRequest("")
    var bodyLimit: Int
    /// Bytes from the start of the current incomplete request line known to hold no LF.
    var scanned = 0
    var emptyLines = 0
    /// The current header or trailer block (kept in the caller's buffer until complete).
    var block = HTTPFieldBlockScanner()
    var chunked = HTTPChunkedDecoder()
    var line = RequestLine()
    var headers = HTTPHeaders()
    var trailers = HTTPHeaders()
    var facts = HTTPFieldFacts()
    var bodyKind: HTTPBodyKind = .none

    /// A parser waiting for a request line.
    package init(limits: HTTPLimits = .init()) {
        self.limits = limits
        // Field offsets are kept in 32 bits; no sane header block comes near this.
        self.limits.maxHeaderBytes = min(limits.maxHeaderBytes, 1 << 30)
        self.bodyLimit = limits.maxBodyBytes
    }

    /// Overrides the body limit for the current request (call after `.head`); the next request
    /// starts again from `limits.maxBodyBytes`.
    package mutating func setBodyLimit(_ bytes: Int) {
        bodyLimit = max(0, bytes)
    }

    /// Forgets everything, including a failure; not needed between pipelined requests.
    package mutating func reset() {
        startNextRequest()
    }

    /// Parses from the start of `input` (the caller's unconsumed bytes); returns one event and how
    /// many bytes of `input` it consumed.
    package mutating func parse(_ input: UnsafeRawBufferPointer) -> (event: HTTPParseEvent, consumed: Int) {
        var offset = 0
        // Where the header or trailer block being parsed starts in `input`: its bytes stay in the
        // caller's buffer until the block is complete, then are copied out in one piece.
        var blockStart = 0
        if isInFieldBlock {
            guard block.blockBytes <= input.count else {
                return fail(.badRequest("input shorter than the bytes already parsed"), 0)
            }
            offset = block.blockBytes
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
                let end = HTTPBytes.contentEnd(input, offset, lf)
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
                    headers = HTTPHeaders(parsedBlock: bytes, fieldCount: block.fieldCount)
                    if let error = checkFraming() { return fail(error, next) }
                    state = .bodyStart
                    return (.head, next)
                case .field(let end, let next):
                    if let error = parseFieldLine(input, offset, end, isTrailer: isTrailer) {
                        return fail(error, blockStart)
                    }
                    offset = next
                }

            case .bodyStart:
                switch bodyKind {
                case .none:
                    return complete(offset)
                case .length(let length):
                    if length > bodyLimit { return fail(.bodyTooLarge, offset) }
                    if length == 0 { return complete(offset) }
                    state = .fixedBody(remaining: length)
                case .chunked:
                    chunked = HTTPChunkedDecoder()
                    state = .chunked
                }

            case .fixedBody(let remaining):
                let take = min(input.count &- offset, remaining)
                if take == 0 { return (.needMore, offset) }
                state = take == remaining ? .complete : .fixedBody(remaining: remaining &- take)
                return (.body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset &+ take)])), offset &+ take)

            case .chunked:
                switch chunked.state {
                case .data(let remaining):
                    let take = min(input.count &- offset, remaining)
                    if take == 0 { return (.needMore, offset) }
                    chunked.tookData(take, remaining: remaining)
                    return (.body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset &+ take)])), offset &+ take)
                case .trailers:
                    beginFieldBlock(.trailerLines)
                    blockStart = offset
                default:
                    if let error = chunked.parseFraming(input, &offset, bodyLimit: bodyLimit,
                                                        maxExtensionBytes: limits.maxChunkExtensionBytes) {
                        return fail(error, offset)
                    }
                    if offset == input.count, chunked.isFraming { return (.needMore, offset) }
                }

            case .complete:
                return complete(offset)

            case .failed:
                return (.error(failure), 0)
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
        block.begin()
    }

    // MARK: - Helpers

    @inline(__always)
    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    mutating func fail(_ error: HTTPParseError, _ consumed: Int) -> (event: HTTPParseEvent, consumed: Int) {
        state = .failed
        failure = error
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
        block = HTTPFieldBlockScanner()
        chunked = HTTPChunkedDecoder()
        line = RequestLine()
        headers = HTTPHeaders()
        trailers = HTTPHeaders()
        facts = HTTPFieldFacts()
        upgradeField = -1
        bodyKind = .none
    }
}

/// What the framing-relevant fields of a request or response said, gathered line by line from
/// bytes so the end of the head needs no string lookups. Shared by the request and response
/// parsers; each applies its own framing rules to the facts at the end of the head.
struct HTTPFieldFacts: Sendable {
    var contentLength: Int?
    var hostCount = 0
    var transferEncodingSeen = false
    var transferCodings = 0
    var lastCodingIsChunked = false
    var chunkedNotLast = false
    var unknownCoding = false
    var transferEncodingMalformed = false
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    var expectContinue = false

    /// Records what one field says; names are matched by length first, then bytes.
    mutating func note(
        _ input: UnsafeRawBufferPointer, _ nameStart: Int, _ nameEnd: Int,
        _ valueStart: Int, _ valueEnd: Int
    ) -> HTTPParseError? {
        switch nameEnd &- nameStart {
        case 4 where HTTPBytes.equalsLowercased(input, nameStart, nameEnd, "host"):
            hostCount &+= 1
        case 6 where HTTPBytes.equalsLowercased(input, nameStart, nameEnd, "expect"):
            if HTTPBytes.equalsLowercased(input, valueStart, valueEnd, "100-continue") { expectContinue = true }
        case 10 where HTTPBytes.equalsLowercased(input, nameStart, nameEnd, "connection"):
            HTTPBytes.forEachListElement(input, valueStart, valueEnd) { s, e in
                if HTTPBytes.equalsLowercased(input, s, e, "close") { connectionClose = true }
                if HTTPBytes.equalsLowercased(input, s, e, "keep-alive") { connectionKeepAlive = true }
                if HTTPBytes.equalsLowercased(input, s, e, "upgrade") { connectionUpgrade = true }
            }
        case 14 where HTTPBytes.equalsLowercased(input, nameStart, nameEnd, "content-length"):
            return noteContentLength(input, valueStart, valueEnd)
        case 17 where HTTPBytes.equalsLowercased(input, nameStart, nameEnd, "transfer-encoding"):
            noteTransferEncoding(input, valueStart, valueEnd)
        default:
            break
        }
        return nil
    }

    /// Content-Length is digits only; repeats (as lines or as a list) must all be equal.
    mutating func noteContentLength(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTPParseError? {
        var known = contentLength
        var error: HTTPParseError?
        HTTPBytes.forEachListElement(input, start, end) { s, e in
            guard error == nil else { return }
            guard s < e else { error = .badRequest("invalid Content-Length"); return }
            var n = 0
            for k in s..<e {
                let digit = input[k] &- 48
                guard digit < 10 else { error = .badRequest("invalid Content-Length"); return }
                let (shifted, overflow1) = n.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = shifted.addingReportingOverflow(Int(digit))
                guard !overflow1 && !overflow2 else { error = .badRequest("Content-Length overflow"); return }
                n = sum
            }
            if let previous = known, previous != n { error = .badRequest("conflicting Content-Length"); return }
            known = n
        }
        if error == nil { contentLength = known }
        return error
    }

    /// Tracks the coding list across Transfer-Encoding lines; judged at the end of the head.
    mutating func noteTransferEncoding(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) {
        transferEncodingSeen = true
        HTTPBytes.forEachListElement(input, start, end) { s, e in
            if s == e { return }  // empty list elements are allowed (RFC 9110 §5.6.1)
            var nameEnd = s
            while nameEnd < e && input[nameEnd] != HTTPBytes.semicolon { nameEnd &+= 1 }
            let hasParameters = nameEnd < e
            while nameEnd > s && HTTPBytes.isWhitespace(input[nameEnd &- 1]) { nameEnd &-= 1 }
            var k = s
            while k < nameEnd && HTTPBytes.isTchar(input[k]) { k &+= 1 }
            let isChunked = HTTPBytes.equalsLowercased(input, s, nameEnd, "chunked")
            if nameEnd == s || k != nameEnd || (isChunked && hasParameters) { transferEncodingMalformed = true }
            if lastCodingIsChunked { chunkedNotLast = true }
            transferCodings &+= 1
            lastCodingIsChunked = isChunked
            if !isChunked { unknownCoding = true }
        }
    }

    /// The Transfer-Encoding verdict shared by both directions: nil when the codings are a
    /// well-formed list ending in a single `chunked`.
    func transferEncodingError() -> HTTPParseError? {
        if transferEncodingMalformed || transferCodings == 0 { return .badRequest("invalid Transfer-Encoding") }
        // Only chunked is implemented: any other coding is 501 (RFC 9112 §6.1), before the
        // framing rule that chunked must come last and once.
        if unknownCoding { return .notImplemented("unknown transfer coding") }
        if !lastCodingIsChunked || chunkedNotLast { return .badRequest("chunked is not the final transfer coding") }
        return nil
    }
}

/// The bounds of one validated field line (`name ":" OWS value OWS`).
struct HTTPFieldLine: Sendable {
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int

    /// Validates `input[start..<end]` (line end excluded) as a field line.
    static func parse(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Result<HTTPFieldLine, HTTPParseError> {
        // A line starting with whitespace is obs-fold (or junk before the first field): RFC 9112 §5.2.
        if HTTPBytes.isWhitespace(input[start]) { return .failure(.badRequest("obsolete line folding")) }
        var i = start
        while i < end && HTTPBytes.isTchar(input[i]) { i &+= 1 }
        if i == end || input[i] != HTTPBytes.colon {
            // Error path only: find out which rule the line broke, for the log.
            var k = i
            while k < end && HTTPBytes.isWhitespace(input[k]) { k &+= 1 }
            if k < end && input[k] == HTTPBytes.colon && k > i { return .failure(.badRequest("whitespace before colon")) }
            while k < end && input[k] != HTTPBytes.colon { k &+= 1 }
            return .failure(.badRequest(k == end ? "missing colon in header field" : "invalid header name"))
        }
        guard i > start else { return .failure(.badRequest("empty header name")) }
        let value = HTTPBytes.trimmed(input, i &+ 1, end)
        if !HTTPBytes.allFieldValueBytes(input, value.lowerBound, value.upperBound) {
            return .failure(.badRequest("invalid character in header value"))
        }
        return .success(HTTPFieldLine(nameEnd: i, valueStart: value.lowerBound, valueEnd: value.upperBound))
    }
}

/// Finds the lines of a header or trailer block that stays in the caller's buffer until it is
/// complete. Remembers how far it already looked for the next LF, so a block trickling in byte
/// by byte is scanned once; reports a block that cannot fit as soon as its bytes prove it.
struct HTTPFieldBlockScanner: Sendable {
    /// Bytes from the start of the current incomplete line known to hold no LF.
    var scanned = 0
    /// Bytes of the block parsed so far (kept in the caller's buffer).
    var blockBytes = 0
    var fieldCount = 0

    /// What the next line of the block is.
    enum Step {
        case needMore
        /// The block reached `maxBytes` without ending.
        case tooLarge
        /// More than `maxCount` field lines.
        case tooMany
        /// A field line: its content is `offset..<end`, the next line starts at `next`.
        case field(end: Int, next: Int)
        /// The empty line ending the block; what follows starts at `next`.
        case end(next: Int)
    }

    /// Starts a new block.
    mutating func begin() {
        scanned = 0
        blockBytes = 0
        fieldCount = 0
    }

    /// Looks for the line starting at `offset` in a block that starts at `blockStart`.
    mutating func next(
        _ input: UnsafeRawBufferPointer, offset: Int, blockStart: Int, maxBytes: Int, maxCount: Int
    ) -> Step {
        let available = input.count &- offset
        let budget = maxBytes &- blockBytes
        let window = min(available, budget)
        let from = offset &+ min(scanned, window)
        guard let lf = HTTPBytes.firstLF(input, from: from, to: offset &+ window) else {
            // The block's bytes already fill the budget and it has not ended: it cannot fit.
            if available >= budget { return .tooLarge }
            scanned = window
            return .needMore
        }
        scanned = 0
        let next = lf &+ 1
        blockBytes = next &- blockStart
        let end = HTTPBytes.contentEnd(input, offset, lf)
        if end == offset { return .end(next: next) }
        fieldCount &+= 1
        if fieldCount > maxCount { return .tooMany }
        return .field(end: end, next: next)
    }
}

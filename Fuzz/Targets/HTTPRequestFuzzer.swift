@testable import PushCore

/// Fuzzes `HTTPRequestParser` the way a connection drives it: bytes arrive in chunks, the caller
/// drops what was consumed and calls again until `.needMore`, and may change the body limit
/// after each head.
///
/// Input: one control byte (bits 0-1 pick the limits, bits 2-4 the `setBodyLimit` policy), a
/// chunk plan (see `FuzzInput.chunkPlan`), then the request bytes.
///
/// Checked on every call: `consumed` stays within the input, body slices lie within the consumed
/// bytes, `.needMore` means no progress without new bytes, errors are sticky, and the events
/// follow `head (body)* end` with bodies matching their framing and limits. The same bytes fed in
/// one piece must give the same events as the chunked feed.
@_cdecl("LLVMFuzzerTestOneInput")
public func httpRequestFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let control = input.byte()
    let limits = HTTPFuzzConfig.limits(control & 3)
    let bodyLimitPolicy = (control >> 2) & 7
    let plan = input.chunkPlan()
    let request = input.rest

    var chunked = HTTPFeed(limits: limits, bodyLimitPolicy: bodyLimitPolicy)
    for chunk in plan.chunks(of: request) { chunked.feed(chunk) }
    var whole = HTTPFeed(limits: limits, bodyLimitPolicy: bodyLimitPolicy)
    for chunk in ChunkPlan.whole.chunks(of: request) { whole.feed(chunk) }
    precondition(chunked.events == whole.events, "events depend on how the bytes were chunked")
    return 0
}

enum HTTPFuzzConfig {
    static func limits(_ choice: UInt8) -> HTTPLimits {
        switch choice {
        case 0:
            return HTTPLimits()
        case 1:
            return HTTPLimits(maxRequestLineBytes: 40, maxHeaderBytes: 120, maxHeaderCount: 4, maxBodyBytes: 64,
                              maxChunkExtensionBytes: 8, maxLeadingEmptyLines: 1)
        case 2:
            return HTTPLimits(maxRequestLineBytes: 0, maxHeaderBytes: 0, maxHeaderCount: 0, maxBodyBytes: 0,
                              maxChunkExtensionBytes: 0, maxLeadingEmptyLines: 0)
        default:
            return HTTPLimits(maxRequestLineBytes: 200, maxHeaderBytes: 600, maxHeaderCount: 12, maxBodyBytes: 1000,
                              maxChunkExtensionBytes: 32, maxLeadingEmptyLines: 3)
        }
    }

    /// The value passed to `setBodyLimit` after head number `index`, or nil for no call.
    static func bodyLimitOverride(_ policy: UInt8, headIndex index: Int) -> Int? {
        switch policy {
        case 0: return nil
        case 1: return 0
        case 2: return 5
        case 3: return 64
        case 4: return Int.max
        case 5: return -1
        case 6: return index % 2 == 0 ? 3 : nil
        default: return 1 << 20
        }
    }
}

/// What the caller observes, with consecutive body slices merged (chunking changes how body
/// bytes are split, never which bytes they are).
enum HTTPObservedEvent: Equatable {
    case head(HTTPRequestHead)
    case body([UInt8])
    case end(HTTPHeaders)
    case error(HTTPParseError)
}

/// Plays the connection: a buffer of unconsumed bytes, the parser, and the event grammar.
struct HTTPFeed {
    enum Phase {
        case awaitingHead
        case inBody(kind: HTTPBodyKind, limit: Int, received: Int)
        case failed(HTTPParseError)
    }

    let limits: HTTPLimits
    let bodyLimitPolicy: UInt8
    var parser: HTTPRequestParser
    var buffer: [UInt8] = []
    var events: [HTTPObservedEvent] = []
    var phase = Phase.awaitingHead
    var heads = 0

    init(limits: HTTPLimits, bodyLimitPolicy: UInt8) {
        self.limits = limits
        self.bodyLimitPolicy = bodyLimitPolicy
        parser = HTTPRequestParser(limits: limits)
    }

    mutating func feed(_ chunk: ArraySlice<UInt8>) {
        buffer.append(contentsOf: chunk)
        // Every event either consumes bytes or moves the request on; a few without progress are fine.
        var budget = 4 * (buffer.count + 4)
        while true {
            budget -= 1
            precondition(budget > 0, "parser does not settle")
            let (event, consumed) = withExactCopy(buffer) { copy -> (HTTPObservedEvent?, Int) in
                let (event, consumed) = parser.parse(copy)
                precondition(consumed >= 0 && consumed <= copy.count, "consumed outside the input")
                // Copy body bytes while the buffer is alive; check the slice lies in what was consumed.
                if case .body(let slice) = event {
                    precondition(slice.count > 0, "empty body event")
                    let start = slice.baseAddress! - copy.baseAddress!
                    precondition(start >= 0 && start + slice.count <= consumed, "body slice outside the consumed bytes")
                    return (HTTPObservedEvent.body(Array(slice)), consumed)
                }
                if case .head = event { return (HTTPObservedEvent.head(parser.takeHead()), consumed) }
                return (Self.observed(event), consumed)
            }
            if case .failed(let error) = phase {
                // Errors are sticky: the same error, nothing consumed.
                precondition(event == .error(error) && consumed == 0, "parser left its failed state")
                return
            }
            guard let event else {
                buffer.removeFirst(consumed)
                // `.needMore`: nothing more can happen until more bytes arrive.
                let again = withExactCopy(buffer) { parser.parse($0) }
                guard case .needMore = again.event, again.consumed == 0 else {
                    preconditionFailure("needMore, then progress without new bytes")
                }
                return
            }
            check(event)
            record(event)
            if case .error = event { return }
            buffer.removeFirst(consumed)
        }
    }

    static func observed(_ event: HTTPParseEvent) -> HTTPObservedEvent? {
        switch event {
        case .needMore: return nil
        case .head: preconditionFailure("a head is taken from the parser")
        case .body(let slice): return .body(Array(slice))
        case .end(let trailers): return .end(trailers)
        case .error(let error): return .error(error)
        }
    }

    mutating func record(_ event: HTTPObservedEvent) {
        if case .body(let bytes) = event, case .body(let previous)? = events.last {
            events[events.count - 1] = .body(previous + bytes)
        } else {
            events.append(event)
        }
    }

    /// The request grammar: `head (body)* end`, bodies as framed and within the limit.
    mutating func check(_ event: HTTPObservedEvent) {
        switch (event, phase) {
        case (.head(let head), .awaitingHead):
            checkHead(head)
            var limit = limits.maxBodyBytes
            if let override = HTTPFuzzConfig.bodyLimitOverride(bodyLimitPolicy, headIndex: heads) {
                parser.setBodyLimit(override)
                limit = max(0, override)
            }
            heads += 1
            phase = .inBody(kind: head.body, limit: limit, received: 0)
        case (.body(let bytes), .inBody(let kind, let limit, let received)):
            let total = received + bytes.count
            switch kind {
            case .none:
                preconditionFailure("body bytes for a request without a body")
            case .length(let length):
                precondition(length <= limit, "Content-Length over the body limit was not refused")
                precondition(total <= length, "more body bytes than Content-Length")
            case .chunked:
                precondition(total <= limit, "chunked body over the body limit")
            }
            phase = .inBody(kind: kind, limit: limit, received: total)
        case (.end(let trailers), .inBody(let kind, let limit, let received)):
            switch kind {
            case .none:
                precondition(received == 0, "body bytes for a request without a body")
            case .length(let length):
                precondition(length <= limit, "Content-Length over the body limit was not refused")
                precondition(received == length, "body shorter than Content-Length")
            case .chunked:
                precondition(received <= limit, "chunked body over the body limit")
            }
            if kind != .chunked { precondition(trailers.isEmpty, "trailers without a chunked body") }
            checkFields(trailers)
            phase = .awaitingHead
        case (.error(let error), _):
            if case .inBody(.length(let length), let limit, 0) = phase, length > limit {
                precondition(error == .bodyTooLarge, "Content-Length over the limit gave \(error)")
            }
            phase = .failed(error)
        default:
            preconditionFailure("event out of order: \(event) in \(phase)")
        }
    }

    func checkHead(_ head: HTTPRequestHead) {
        precondition(head.versionMinor == 0 || head.versionMinor == 1, "version 1.\(head.versionMinor)")
        let method = head.method.name.utf8
        precondition(!method.isEmpty && method.allSatisfy(HTTPBytes.isTchar), "method is not a token")
        precondition(head.method.name != "CONNECT", "CONNECT accepted")
        let target = head.target.utf8
        precondition(!target.isEmpty && target.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }, "target has invisible bytes")
        precondition(target.count <= limits.maxRequestLineBytes, "request line over the limit")
        precondition(head.path == "*" || head.path.utf8.first == UInt8(ascii: "/"), "path \(head.path) is not absolute")
        if head.path == "*" { precondition(head.method == .options && head.target == "*", "asterisk-form misread") }
        if head.target.utf8.first == UInt8(ascii: "/") {
            let expected = head.query.isEmpty && !head.target.hasSuffix("?") ? head.path : head.path + "?" + head.query
            precondition(head.target == expected, "target, path and query disagree")
        }
        checkFields(head.headers)

        let hosts = count(head.headers, "host")
        let lengths = count(head.headers, "content-length")
        let codings = count(head.headers, "transfer-encoding")
        if head.versionMinor == 1 {
            precondition(hosts == 1, "HTTP/1.1 request with \(hosts) Host fields")
        } else {
            precondition(hosts <= 1, "HTTP/1.0 request with \(hosts) Host fields")
            precondition(!head.expectsContinue && head.upgrade == nil, "HTTP/1.0 request expects continue or upgrades")
        }
        switch head.body {
        case .none:
            precondition(lengths == 0 && codings == 0, "framing fields ignored")
        case .length(let length):
            precondition(length >= 0 && lengths > 0 && codings == 0, "Content-Length framing misread")
        case .chunked:
            precondition(head.versionMinor == 1 && codings > 0 && lengths == 0, "chunked framing misread")
        }
    }

    func checkFields(_ fields: HTTPHeaders) {
        precondition(fields.count <= limits.maxHeaderCount, "more fields than maxHeaderCount")
        precondition(fields.fieldByteCount <= limits.maxHeaderBytes, "field block over maxHeaderBytes")
        for i in 0..<fields.count {
            let name = fields.nameBytes(i)
            precondition(!name.isEmpty && name.allSatisfy(HTTPBytes.isTchar), "field name is not a token")
            let value = fields.valueBytes(i)
            precondition(value.allSatisfy(HTTPBytes.isFieldValueByte), "control byte in a field value")
            if let first = value.first, let last = value.last {
                precondition(!HTTPBytes.isWhitespace(first) && !HTTPBytes.isWhitespace(last), "field value not trimmed")
            }
        }
    }

    func count(_ fields: HTTPHeaders, _ name: String) -> Int {
        fields.values(name).count
    }
}

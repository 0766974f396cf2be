extension HTTPRequestParser {
    /// The request line as parsed, kept until the head is complete.
    struct RequestLine: Sendable {
        var method: HTTPMethod = .get
        var target = ""
        var path = ""
        var versionMinor = 1
    }
}

/// Request-line and field-line parsing, and the RFC 9112 §6 framing rules applied at the end of
/// the head.
extension HTTPRequestParser {
    /// Parses `method SP request-target SP HTTP-version` in `input[start..<end]` (line end excluded).
    mutating func parseRequestLine(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTPParseError? {
        var i = start
        while i < end && HTTPBytes.isTchar(input[i]) { i &+= 1 }
        let methodEnd = i
        guard methodEnd > start, i < end, input[i] == HTTPBytes.sp else { return .badRequest("invalid method") }
        i &+= 1
        let targetStart = i
        i = HTTPBytes.visibleRunEnd(input, i, end)
        let targetEnd = i
        guard targetEnd > targetStart, i < end, input[i] == HTTPBytes.sp else {
            return .badRequest("invalid request target")
        }
        i &+= 1

        // HTTP-version = "HTTP/" DIGIT "." DIGIT, ending the line.
        guard end &- i == 8, HTTPBytes.equalsExactly(input, i, i &+ 5, "HTTP/"), input[i &+ 6] == 46 else {
            return .badRequest("invalid HTTP version")
        }
        let major = input[i &+ 5] &- 48
        let minor = input[i &+ 7] &- 48
        guard major < 10, minor < 10 else { return .badRequest("invalid HTTP version") }
        guard major == 1, minor <= 1 else { return .versionNotSupported }

        let method = Self.method(input, start, methodEnd)
        if case .other(let name) = method, name == "CONNECT" { return .notImplemented("CONNECT") }

        let target = HTTPBytes.string(input, targetStart, targetEnd)
        var pathStart = targetStart
        let first = input[targetStart]
        if first == UInt8(ascii: "/") {
            // origin-form
        } else if first == UInt8(ascii: "*") && targetEnd &- targetStart == 1 {
            guard method == .options else { return .badRequest("asterisk-form target is only for OPTIONS") }
            line = RequestLine(method: method, target: target, path: target, versionMinor: Int(minor))
            return nil
        } else if let authorityStart = Self.absoluteFormAuthority(input, targetStart, targetEnd) {
            var k = authorityStart
            while k < targetEnd && input[k] != UInt8(ascii: "/") && input[k] != UInt8(ascii: "?") { k &+= 1 }
            guard k > authorityStart else { return .badRequest("invalid request target") }
            pathStart = k
        } else {
            return .badRequest("invalid request target")
        }

        var q = pathStart
        while q < targetEnd && input[q] != UInt8(ascii: "?") { q &+= 1 }
        let path: String
        if q == pathStart {
            path = "/"  // absolute-form without a path
        } else if pathStart == targetStart && q == targetEnd {
            path = target  // the common case: no query, no second allocation
        } else {
            path = HTTPBytes.string(input, pathStart, q)
        }
        // The query is the target's after this "?" (its first): no String is made for it here.
        line = RequestLine(method: method, target: target, path: path, versionMinor: Int(minor))
        return nil
    }

    /// An Upgrade value, lowercased: the one this server answers is given without decoding.
    static func upgradeToken(_ bytes: ArraySlice<UInt8>) -> String {
        let isWebSocket = bytes.withUnsafeBufferPointer { value in
            ("websocket" as StaticString).withUTF8Buffer { HTTPBytes.equalsIgnoringCase(value, $0) }
        }
        return isWebSocket ? "websocket" : lowercased(bytes)
    }

    /// `bytes` as a lowercased String: ASCII (any Upgrade value worth reading) mapped byte by
    /// byte, anything else through the Unicode rules.
    static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return String(decoding: bytes, as: UTF8.self).lowercased() }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { lowered in
            for (k, byte) in bytes.enumerated() { lowered[k] = HTTPBytes.lower(byte) }
            return String(decoding: lowered, as: UTF8.self)
        }
    }

    /// Index after `http://` or `https://` (scheme case-insensitive), or nil.
    static func absoluteFormAuthority(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        if end &- start > 7, HTTPBytes.equalsLowercased(input, start, start &+ 7, "http://") { return start &+ 7 }
        if end &- start > 8, HTTPBytes.equalsLowercased(input, start, start &+ 8, "https://") { return start &+ 8 }
        return nil
    }

    static func method(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTPMethod {
        switch end &- start {
        case 3:
            if HTTPBytes.equalsExactly(input, start, end, "GET") { return .get }
            if HTTPBytes.equalsExactly(input, start, end, "PUT") { return .put }
        case 4:
            if HTTPBytes.equalsExactly(input, start, end, "POST") { return .post }
            if HTTPBytes.equalsExactly(input, start, end, "HEAD") { return .head }
        case 5:
            if HTTPBytes.equalsExactly(input, start, end, "PATCH") { return .patch }
        case 6:
            if HTTPBytes.equalsExactly(input, start, end, "DELETE") { return .delete }
        case 7:
            if HTTPBytes.equalsExactly(input, start, end, "OPTIONS") { return .options }
        default:
            break
        }
        return .other(HTTPBytes.string(input, start, end))
    }

    /// Validates `name ":" OWS value OWS` in `input[start..<end]` and notes what a header
    /// says (the block's bytes are copied, and their offsets found, once it is complete).
    mutating func parseFieldLine(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int, isTrailer: Bool) -> HTTPParseError? {
        let field: HTTPFieldLine
        switch HTTPFieldLine.parse(input, start, end) {
        case .success(let parsed): field = parsed
        case .failure(let error): return error
        }
        if isTrailer { return nil }
        if let error = facts.note(input, start, field.nameEnd, field.valueStart, field.valueEnd) { return error }
        if upgradeField < 0 && HTTPBytes.equalsLowercased(input, start, field.nameEnd, "upgrade") {
            upgradeField = Int32(truncatingIfNeeded: block.fieldCount &- 1)
        }
        return nil
    }

    /// Applies the framing and Host rules to the complete header block; sets `bodyKind`.
    mutating func checkFraming() -> HTTPParseError? {
        let minor = line.versionMinor
        if facts.hostCount > 1 { return .badRequest("multiple Host headers") }
        if minor == 1 && facts.hostCount == 0 { return .badRequest("missing Host header") }
        if facts.transferEncodingSeen {
            if minor == 0 { return .badRequest("Transfer-Encoding in HTTP/1.0 request") }
            if facts.contentLength != nil { return .badRequest("both Transfer-Encoding and Content-Length") }
            if let error = facts.transferEncodingError() { return error }
            bodyKind = .chunked
        } else if let length = facts.contentLength {
            bodyKind = .length(length)
        } else {
            bodyKind = .none
        }
        return nil
    }

    /// The head just announced by `.head`, moved out of the parser. Call it before parsing on:
    /// the next request's line and fields take its place.
    package mutating func takeHead() -> HTTPRequestHead {
        var head = HTTPRequestHead()
        takeHead(into: &head)
        return head
    }

    /// `takeHead()` into `head`, whatever it held, part by part where it lies: a head made and
    /// returned was copied whole on the way.
    package mutating func takeHead(into head: inout HTTPRequestHead) {
        let minor = line.versionMinor
        head.versionMinor = minor
        head.keepAlive = minor == 1 ? !facts.connectionClose : facts.connectionKeepAlive && !facts.connectionClose
        // RFC 9110 §10.1.1 and §7.8: HTTP/1.0 requests cannot expect 100-continue or upgrade.
        head.expectsContinue = minor == 1 && facts.expectContinue
        head.upgrade = minor == 1 && facts.connectionUpgrade && upgradeField >= 0
            ? Self.upgradeToken(headers.valueBytes(Int(upgradeField))) : nil
        head.body = bodyKind
        head.resetQueryToTargets()
        swap(&head.method, &line.method)
        swap(&head.target, &line.target)
        swap(&head.path, &line.path)
        swap(&head.headers, &headers)
        line = RequestLine()
        headers = HTTPHeaders()
    }
}

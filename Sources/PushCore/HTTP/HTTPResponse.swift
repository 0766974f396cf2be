/// Writes HTTP/1.1 response heads and small complete responses.
///
/// Nothing the caller passes can split a response: a header whose name is not a token, or whose
/// value holds CR, LF, NUL or any other control byte but HTAB (or DEL), is dropped, not written.
package enum HTTPResponse {
    /// Appends `HTTP/1.1 <status> <reason>\r\n`, the safe headers in order, and the empty line to
    /// `out`. A status outside 100...999 is written as 500.
    package static func writeHead(status: Int, headers: [(String, String)], into out: inout [UInt8]) {
        appendStatusLine(status, into: &out)
        for (name, value) in headers { appendField(name, value, into: &out) }
        appendEndOfHead(into: &out)
    }

    /// Appends `HTTP/1.1 <status> <reason>\r\n`; a status outside 100...999 is written as 500.
    package static func appendStatusLine(_ status: Int, into out: inout [UInt8]) {
        // Nearly every answer: its line as one copy (built piece by piece it cost 500 instructions).
        if status == 200 {
            // From the literal's bytes in the binary: an array made once would be counted here,
            // by every loop, for every answer.
            okStatusLine.withUTF8Buffer { out.append(contentsOf: $0) }
            return
        }
        let code = (100...999).contains(status) ? status : 500
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        out.append(UInt8(48 &+ code / 100))
        out.append(UInt8(48 &+ code / 10 % 10))
        out.append(UInt8(48 &+ code % 10))
        out.append(HTTPBytes.sp)
        out.append(contentsOf: reasonPhrase(code).utf8)
        out.append(HTTPBytes.cr)
        out.append(HTTPBytes.lf)
    }

    private static let okStatusLine: StaticString = "HTTP/1.1 200 OK\r\n"

    /// Appends `name: value\r\n`, or nothing when the name is not a token or the value is not
    /// safe. Checked as it is copied, over the strings' bytes.
    package static func appendField(_ name: String, _ value: String, into out: inout [UInt8]) {
        HTTPBytes.withUTF8Bytes(of: name) { name in
            HTTPBytes.withUTF8Bytes(of: value) { value in
                guard isSafeName(name), isSafeValue(value) else { return }
                appendLine(name, value, into: &out)
            }
        }
    }

    /// `name: value\r\n`, assembled on the stack and appended at once: six appends, each
    /// checking the array's capacity and uniqueness, cost more than the bytes.
    private static func appendLine(_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>,
                                   into out: inout [UInt8]) {
        let count = name.count &+ value.count &+ 4
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { line in
            let base = line.baseAddress!
            if let source = name.baseAddress { base.update(from: source, count: name.count) }
            var offset = name.count
            base[offset] = HTTPBytes.colon
            base[offset &+ 1] = HTTPBytes.sp
            offset &+= 2
            if let source = value.baseAddress { (base + offset).update(from: source, count: value.count) }
            offset &+= value.count
            base[offset] = HTTPBytes.cr
            base[offset &+ 1] = HTTPBytes.lf
            out.append(contentsOf: UnsafeBufferPointer(line))
        }
    }

    /// Appends `name: <decimal>\r\n` (a Content-Length) without making a String of the number.
    package static func appendField(_ name: StaticString, decimal value: Int, into out: inout [UInt8]) {
        // Assembled on the stack and appended at once, as `appendLine` does.
        let digits = 20
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.utf8CodeUnitCount &+ digits &+ 5) { line in
            let base = line.baseAddress!
            base.update(from: name.utf8Start, count: name.utf8CodeUnitCount)
            var offset = name.utf8CodeUnitCount
            base[offset] = HTTPBytes.colon
            base[offset &+ 1] = HTTPBytes.sp
            offset &+= 2
            if value < 0 {
                base[offset] = UInt8(ascii: "-")
                offset &+= 1
            }
            var width = 1
            var probe = value.magnitude / 10
            while probe > 0 { width &+= 1; probe /= 10 }
            var rest = value.magnitude
            for position in stride(from: offset &+ width &- 1, through: offset, by: -1) {
                base[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            offset &+= width
            base[offset] = HTTPBytes.cr
            base[offset &+ 1] = HTTPBytes.lf
            out.append(contentsOf: UnsafeBufferPointer(rebasing: line[..<(offset &+ 2)]))
        }
    }

    /// Appends the empty line that ends a head.
    package static func appendEndOfHead(into out: inout [UInt8]) {
        out.append(HTTPBytes.cr)
        out.append(HTTPBytes.lf)
    }

    /// Whether `name` is a non-empty token, so it can be written as a field name.
    package static func isSafeName(_ name: String) -> Bool {
        HTTPBytes.withUTF8Bytes(of: name, isSafeName)
    }

    private static func isSafeName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        !name.isEmpty && name.allSatisfy(HTTPBytes.isTchar)
    }

    /// Whether `value` can be written as a field value (no control bytes but HTAB, no DEL).
    package static func isSafeValue(_ value: String) -> Bool {
        HTTPBytes.withUTF8Bytes(of: value, isSafeValue)
    }

    private static func isSafeValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        HTTPBytes.allFieldValueBytes(UnsafeRawBufferPointer(value), 0, value.count)
    }

    /// A complete response: head with Content-Type and Content-Length, `Connection: close` when
    /// `keepAlive` is false, then `extraHeaders` and the body. Framing stays ours: extra
    /// Content-Length and Transfer-Encoding (and Connection, when closing) are ignored. For
    /// 1xx, 204 and 304 the body, Content-Type and Content-Length are left out, as RFC 9110 requires.
    package static func simple(
        status: Int, contentType: String, body: [UInt8], keepAlive: Bool, extraHeaders: [(String, String)] = []
    ) -> [UInt8] {
        let bodyAllowed = !((100...199).contains(status) || status == 204 || status == 304)
        var headers: [(String, String)] = []
        headers.reserveCapacity(3 &+ extraHeaders.count)
        if bodyAllowed {
            headers.append(("Content-Type", contentType))
            headers.append(("Content-Length", String(body.count)))
        }
        if !keepAlive { headers.append(("Connection", "close")) }
        for header in extraHeaders {
            if HTTPBytes.equalsIgnoringCase(header.0, "content-length")
                || HTTPBytes.equalsIgnoringCase(header.0, "transfer-encoding")
                || (!keepAlive && HTTPBytes.equalsIgnoringCase(header.0, "connection")) { continue }
            headers.append(header)
        }
        var out: [UInt8] = []
        out.reserveCapacity(96 &+ contentType.utf8.count &+ (bodyAllowed ? body.count : 0))
        writeHead(status: status, headers: headers, into: &out)
        if bodyAllowed { out.append(contentsOf: body) }
        return out
    }

    /// The standard reason phrase (RFC 9110 §15), or a generic one for the status class.
    package static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        case 100...199: "Informational"
        case 200...299: "Success"
        case 300...399: "Redirection"
        case 400...499: "Client Error"
        case 500...599: "Server Error"
        default: "Unknown"
        }
    }
}

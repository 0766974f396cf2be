import XCTest
@testable import PushCore

final class HTTPResponseTests: XCTestCase {
    private func text(_ out: [UInt8]) -> String { String(decoding: out, as: UTF8.self) }

    func testWriteHead() {
        var out: [UInt8] = []
        HTTPResponse.writeHead(status: 200, headers: [("Content-Type", "text/plain"), ("X-A", "b\tc")], into: &out)
        XCTAssertEqual(text(out), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: b\tc\r\n\r\n")
        // Appends rather than replaces.
        HTTPResponse.writeHead(status: 101, headers: [], into: &out)
        XCTAssertTrue(text(out).hasSuffix("\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n"))
    }

    func testFieldsAppendOneByOneAsWriteHeadWritesThem() {
        var pieces: [UInt8] = []
        HTTPResponse.appendStatusLine(404, into: &pieces)
        HTTPResponse.appendField("Content-Type", "text/plain", into: &pieces)
        HTTPResponse.appendField("X-Bad", "a\r\nb", into: &pieces)
        HTTPResponse.appendField("Content-Length", decimal: 0, into: &pieces)
        HTTPResponse.appendField("Content-Length", decimal: 1_234_567, into: &pieces)
        HTTPResponse.appendEndOfHead(into: &pieces)
        var whole: [UInt8] = []
        HTTPResponse.writeHead(status: 404, headers: [("Content-Type", "text/plain"), ("X-Bad", "a\r\nb"),
                                                      ("Content-Length", "0"), ("Content-Length", "1234567")], into: &whole)
        XCTAssertEqual(text(pieces), text(whole))
        XCTAssertEqual(text(pieces), "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nContent-Length: 1234567\r\n\r\n")
    }

    /// Prepared fields are the lines `writeHead` writes for the same pairs, unsafe ones
    /// dropped alike, whatever their lengths (the line is assembled on the stack).
    func testPreparedHeadersAreTheLinesWriteHeadWrites() {
        let long = String(repeating: "v", count: 5_000)
        let pairs = [("Content-Type", "text/plain; charset=UTF-8"), ("Cache-Control", "no-store"), ("X-Bad", "a\r\nb"),
                     ("Bad Name", "x"), ("", "x"), ("X-Empty", ""), ("X-\u{E9}", "x"), ("X-Utf8", "caf\u{E9}"), ("X-Long", long)]
        let prepared = PreparedHeaders(pairs)
        XCTAssertEqual(prepared.pairs.map(\.0), pairs.map(\.0))
        var head: [UInt8] = []
        HTTPResponse.writeHead(status: 200, headers: pairs, into: &head)
        var built: [UInt8] = []
        HTTPResponse.appendStatusLine(200, into: &built)
        built += prepared.lines
        HTTPResponse.appendEndOfHead(into: &built)
        XCTAssertEqual(text(built), text(head))
        XCTAssertEqual(text(prepared.lines), "Content-Type: text/plain; charset=UTF-8\r\nCache-Control: no-store\r\nX-Empty: \r\n"
                       + "X-Utf8: caf\u{E9}\r\nX-Long: \(long)\r\n")
        XCTAssertTrue(PreparedHeaders([]).lines.isEmpty)
    }

    func testDecimalFieldsWriteEveryWidth() {
        for value in [0, 9, 10, 99, 100, 1_234_567, Int.max, -1, -10, Int.min] {
            var out: [UInt8] = [1]
            HTTPResponse.appendField("Content-Length", decimal: value, into: &out)
            XCTAssertEqual(out, [1] + Array("Content-Length: \(value)\r\n".utf8))
        }
    }

    func testStatusLines() {
        for (status, line) in [(200, "HTTP/1.1 200 OK"), (101, "HTTP/1.1 101 Switching Protocols"), (404, "HTTP/1.1 404 Not Found"),
                               (299, "HTTP/1.1 299 Success"), (42, "HTTP/1.1 500 Internal Server Error")] {
            var out: [UInt8] = [1]
            HTTPResponse.appendStatusLine(status, into: &out)
            XCTAssertEqual(out, [1] + Array("\(line)\r\n".utf8), "\(status)")
        }
    }

    func testHeaderInjectionIsDropped() {
        var out: [UInt8] = []
        HTTPResponse.writeHead(status: 302, headers: [
            ("Location", "/ok"),
            ("Location", "/x\r\nSet-Cookie: evil=1"),
            ("X-LF", "a\nb"),
            ("X-CR", "a\rb"),
            ("X-NUL", "a\u{0}b"),
            ("X-Ctl", "a\u{1}b"),
            ("X-DEL", "a\u{7f}b"),
            ("Bad\r\nName", "v"),
            ("Bad Name", "v"),
            ("", "v"),
            ("X-UTF8", "café"),
        ], into: &out)
        XCTAssertEqual(text(out), "HTTP/1.1 302 Found\r\nLocation: /ok\r\nX-UTF8: café\r\n\r\n")
        // Whatever is echoed, the head has exactly one empty line, at the end.
        let head = text(out)
        XCTAssertEqual(head.utf8.filter { $0 == 13 }.count, head.utf8.filter { $0 == 10 }.count)
        XCTAssertFalse(head.contains("evil"))
        XCTAssertFalse(HTTPResponse.isSafeValue("x\r\n"))
        XCTAssertTrue(HTTPResponse.isSafeValue(""))
        XCTAssertTrue(HTTPResponse.isSafeName("X-Custom_1"))
        XCTAssertFalse(HTTPResponse.isSafeName("X:Y"))
    }

    func testWrittenHeadParsesBack() {
        var out: [UInt8] = []
        HTTPResponse.writeHead(status: 200, headers: [("A", "1"), ("B", "two words")], into: &out)
        // Reuse the request parser on the fields by swapping the status line for a request line.
        let fields = Array(out.drop { $0 != 10 }.dropFirst())
        let request = httpBytes("GET / HTTP/1.1\r\nHost: h\r\n") + fields
        XCTAssertEqual(runHTTPChunked(request, cuts: []),
                       [expectHead(.get, "/", [("Host", "h"), ("A", "1"), ("B", "two words")]), expectEndNoTrailers])
    }

    func testReasonPhrases() {
        XCTAssertEqual(HTTPResponse.reasonPhrase(200), "OK")
        XCTAssertEqual(HTTPResponse.reasonPhrase(101), "Switching Protocols")
        XCTAssertEqual(HTTPResponse.reasonPhrase(204), "No Content")
        XCTAssertEqual(HTTPResponse.reasonPhrase(400), "Bad Request")
        XCTAssertEqual(HTTPResponse.reasonPhrase(403), "Forbidden")
        XCTAssertEqual(HTTPResponse.reasonPhrase(413), "Content Too Large")
        XCTAssertEqual(HTTPResponse.reasonPhrase(414), "URI Too Long")
        XCTAssertEqual(HTTPResponse.reasonPhrase(431), "Request Header Fields Too Large")
        XCTAssertEqual(HTTPResponse.reasonPhrase(501), "Not Implemented")
        XCTAssertEqual(HTTPResponse.reasonPhrase(505), "HTTP Version Not Supported")
        XCTAssertEqual(HTTPResponse.reasonPhrase(299), "Success")
        XCTAssertEqual(HTTPResponse.reasonPhrase(599), "Server Error")
        XCTAssertEqual(HTTPResponse.reasonPhrase(42), "Unknown")
        // Every parser error has a proper phrase.
        for status in [400, 413, 414, 431, 501, 505] {
            XCTAssertFalse(["Client Error", "Server Error"].contains(HTTPResponse.reasonPhrase(status)))
        }
    }

    func testOutOfRangeStatusIsWrittenAs500() {
        var out: [UInt8] = []
        HTTPResponse.writeHead(status: 1000, headers: [], into: &out)
        XCTAssertEqual(text(out), "HTTP/1.1 500 Internal Server Error\r\n\r\n")
        out = []
        HTTPResponse.writeHead(status: -1, headers: [], into: &out)
        XCTAssertEqual(text(out), "HTTP/1.1 500 Internal Server Error\r\n\r\n")
    }

    func testSimpleErrorResponse() {
        let response = HTTPResponse.simple(status: 400, contentType: "application/json",
                                           body: httpBytes("{\"code\":3}"), keepAlive: false)
        XCTAssertEqual(text(response), "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                       + "Content-Length: 10\r\nConnection: close\r\n\r\n{\"code\":3}")
    }

    func testSimpleKeepAliveWithExtras() {
        let response = HTTPResponse.simple(
            status: 200, contentType: "text/plain; charset=UTF-8", body: httpBytes("ok"), keepAlive: true,
            extraHeaders: [("Access-Control-Allow-Origin", "*"), ("Content-Length", "999"),
                           ("Transfer-Encoding", "chunked"), ("X-Bad", "a\r\nb")])
        XCTAssertEqual(text(response), "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                       + "Content-Length: 2\r\nAccess-Control-Allow-Origin: *\r\n\r\nok")
    }

    func testSimpleClosingIgnoresExtraConnection() {
        let response = HTTPResponse.simple(status: 503, contentType: "text/plain", body: [], keepAlive: false,
                                           extraHeaders: [("connection", "keep-alive"), ("Retry-After", "1")])
        XCTAssertEqual(text(response), "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                       + "Content-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n")
    }

    func testSimpleBodylessStatuses() {
        for status in [100, 204, 304] {
            let response = HTTPResponse.simple(status: status, contentType: "text/plain", body: httpBytes("x"),
                                               keepAlive: true)
            XCTAssertEqual(text(response), "HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n\r\n")
        }
    }
}

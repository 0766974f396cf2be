import XCTest
@testable import PushCore

/// An expected `.head` event; path and query default to the split of an origin-form target.
func expectHead(
    _ method: HTTPMethod, _ target: String, path: String? = nil, query: String? = nil, minor: Int = 1,
    _ headers: [(String, String)], keepAlive: Bool? = nil, expects: Bool = false, upgrade: String? = nil,
    body: HTTPBodyKind = .none
) -> HTTPParsedEvent {
    let q = target.firstIndex(of: "?")
    return .head(HTTPRequestHead(
        method: method, target: target,
        path: path ?? String(target[..<(q ?? target.endIndex)]),
        query: query ?? (q.map { String(target[target.index(after: $0)...]) } ?? ""),
        versionMinor: minor, headers: HTTPHeaders(headers), keepAlive: keepAlive ?? (minor == 1),
        expectsContinue: expects, upgrade: upgrade, body: body))
}

let expectEndNoTrailers = HTTPParsedEvent.end(HTTPHeaders())
func expectBody(_ text: String) -> HTTPParsedEvent { .body(httpBytes(text)) }
func expectBad(_ reason: String) -> HTTPParsedEvent { .error(.badRequest(reason)) }

struct HTTPParserCase {
    let name: String
    let input: [UInt8]
    let expected: [HTTPParsedEvent]
    var limits = HTTPLimits()
    init(_ name: String, _ input: String, _ expected: [HTTPParsedEvent], limits: HTTPLimits = .init()) {
        self.name = name
        self.input = httpBytes(input)
        self.expected = expected
        self.limits = limits
    }
}

let httpBrowserGet = """
    GET /socket.io/?EIO=4&transport=polling&t=OqY3x2a&sid=AbCdEf0123456789 HTTP/1.1\r
    Host: localhost:3000\r
    User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r
    Accept: */*\r
    Accept-Language: en-US,en;q=0.5\r
    Accept-Encoding: gzip, deflate, br\r
    Referer: http://localhost:3000/\r
    Connection: keep-alive\r
    Cookie: io=AbCdEf0123456789\r
    \r

    """

let httpValidCases: [HTTPParserCase] = [
    HTTPParserCase("minimal GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("browser GET", httpBrowserGet, [
        expectHead(.get, "/socket.io/?EIO=4&transport=polling&t=OqY3x2a&sid=AbCdEf0123456789", [
            ("Host", "localhost:3000"),
            ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
            ("Accept", "*/*"), ("Accept-Language", "en-US,en;q=0.5"), ("Accept-Encoding", "gzip, deflate, br"),
            ("Referer", "http://localhost:3000/"), ("Connection", "keep-alive"), ("Cookie", "io=AbCdEf0123456789"),
        ]), expectEndNoTrailers]),
    HTTPParserCase("HEAD", "HEAD /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.head, "/index.html", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("POST with Content-Length", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
               [expectHead(.post, "/p", [("Host", "a"), ("Content-Length", "11")], body: .length(11)),
                expectBody("hello world"), expectEndNoTrailers]),
    HTTPParserCase("POST with Content-Length 0", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
               [expectHead(.post, "/p", [("Host", "a"), ("Content-Length", "0")], body: .length(0)), expectEndNoTrailers]),
    HTTPParserCase("chunked with extensions and trailers",
               "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               + "5;name=val\r\nhello\r\n6 ;x=\"q s\";y\r\n world\r\n0;last\r\nX-Trailer: t1\r\nX-Other:  v2 \r\n\r\n",
               [expectHead(.post, "/c", [("Host", "a"), ("Transfer-Encoding", "chunked")], body: .chunked),
                expectBody("hello world"), .end(HTTPHeaders([("X-Trailer", "t1"), ("X-Other", "v2")]))]),
    HTTPParserCase("chunked, hex sizes, coding in caps",
               "PUT /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n1a\r\n"
               + "abcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
               [expectHead(.put, "/u", [("Host", "a"), ("Transfer-Encoding", "Chunked")], body: .chunked),
                expectBody("0123456789abcdefghijklmnopqrstuvwxyz"), expectEndNoTrailers]),
    HTTPParserCase("chunked, leading zeros and bare LF lines",
               "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n005\nhello\n0000\n\n",
               [expectHead(.post, "/", [("Host", "a"), ("Transfer-Encoding", "chunked")], body: .chunked),
                expectBody("hello"), expectEndNoTrailers]),
    HTTPParserCase("pipelined GETs", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n",
               [expectHead(.get, "/1", [("Host", "a")]), expectEndNoTrailers, expectHead(.get, "/2", [("Host", "b")]), expectEndNoTrailers]),
    HTTPParserCase("pipelined POST then GET",
               "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.post, "/1", [("Host", "a"), ("Content-Length", "3")], body: .length(3)), expectBody("abc"),
                expectEndNoTrailers, expectHead(.get, "/2", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("pipelined chunked then GET",
               "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
               + "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.post, "/1", [("Host", "a"), ("Transfer-Encoding", "chunked")], body: .chunked), expectBody("ab"),
                expectEndNoTrailers, expectHead(.get, "/2", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("HTTP/1.0 without keep-alive", "GET /old HTTP/1.0\r\n\r\n",
               [expectHead(.get, "/old", minor: 0, []), expectEndNoTrailers]),
    HTTPParserCase("HTTP/1.0 with keep-alive", "GET /old HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
               [expectHead(.get, "/old", minor: 0, [("Connection", "Keep-Alive")], keepAlive: true), expectEndNoTrailers]),
    HTTPParserCase("HTTP/1.0 POST, Expect and Upgrade ignored",
               "POST /x HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\nhi",
               [expectHead(.post, "/x", minor: 0, [("Content-Length", "2"), ("Expect", "100-continue"),
                                               ("Connection", "upgrade"), ("Upgrade", "websocket")],
                     body: .length(2)), expectBody("hi"), expectEndNoTrailers]),
    HTTPParserCase("HTTP/1.1 Connection: close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("Connection", "close")], keepAlive: false), expectEndNoTrailers]),
    HTTPParserCase("Connection tokens across lines",
               "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo\r\nConnection: bar, CLOSE\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("Connection", "foo"), ("Connection", "bar, CLOSE")],
                     keepAlive: false), expectEndNoTrailers]),
    HTTPParserCase("Expect: 100-continue",
               "POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\ndata",
               [expectHead(.post, "/up", [("Host", "a"), ("Expect", "100-Continue"), ("Content-Length", "4")],
                     expects: true, body: .length(4)), expectBody("data"), expectEndNoTrailers]),
    HTTPParserCase("Upgrade: websocket",
               "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
               + "Upgrade: WebSocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
               [expectHead(.get, "/socket.io/?EIO=4&transport=websocket",
                     [("Host", "a"), ("Connection", "keep-alive, Upgrade"), ("Upgrade", "WebSocket"),
                      ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")],
                     upgrade: "websocket"), expectEndNoTrailers]),
    HTTPParserCase("the first of two Upgrade lines, lowercased; none on the next request",
               "GET / HTTP/1.1\r\nHost: a\r\nUPGRADE: H2C, Foo/É\r\nConnection: upgrade\r\nupgrade: websocket\r\n\r\n"
               + "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("UPGRADE", "H2C, Foo/É"), ("Connection", "upgrade"), ("upgrade", "websocket")],
                     upgrade: "h2c, foo/é"), expectEndNoTrailers,
                expectHead(.get, "/", [("Host", "a"), ("Connection", "upgrade")]), expectEndNoTrailers]),
    HTTPParserCase("Upgrade values that only start like websocket are lowercased whole",
               "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: WEBSOCKET\r\n\r\n"
               + "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: WebSockets\r\n\r\n"
               + "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: WebSocket, H2C\r\n\r\n"
               + "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocke\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("Connection", "upgrade"), ("Upgrade", "WEBSOCKET")], upgrade: "websocket"),
                expectEndNoTrailers,
                expectHead(.get, "/", [("Host", "a"), ("Connection", "upgrade"), ("Upgrade", "WebSockets")], upgrade: "websockets"),
                expectEndNoTrailers,
                expectHead(.get, "/", [("Host", "a"), ("Connection", "upgrade"), ("Upgrade", "WebSocket, H2C")], upgrade: "websocket, h2c"),
                expectEndNoTrailers,
                expectHead(.get, "/", [("Host", "a"), ("Connection", "upgrade"), ("Upgrade", "websocke")], upgrade: "websocke"),
                expectEndNoTrailers]),
    HTTPParserCase("Upgrade without Connection: upgrade", "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("Upgrade", "websocket")]), expectEndNoTrailers]),
    HTTPParserCase("repeated headers", "GET / HTTP/1.1\r\nAccept: a\r\nHost: h\r\naccept: b\r\nACCEPT: c\r\n\r\n",
               [expectHead(.get, "/", [("Accept", "a"), ("Host", "h"), ("accept", "b"), ("ACCEPT", "c")]), expectEndNoTrailers]),
    HTTPParserCase("absolute-form", "GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
               [expectHead(.get, "http://example.com:8080/p/q?x=1", path: "/p/q", query: "x=1",
                     [("Host", "example.com:8080")]), expectEndNoTrailers]),
    HTTPParserCase("absolute-form without path", "GET HTTPS://example.com?x HTTP/1.1\r\nHost: example.com\r\n\r\n",
               [expectHead(.get, "HTTPS://example.com?x", path: "/", query: "x", [("Host", "example.com")]), expectEndNoTrailers]),
    HTTPParserCase("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.options, "*", path: "*", query: "", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("leading empty lines", "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("bare LF line ends", "GET /lf HTTP/1.1\nHost: a\nX: y\n\n",
               [expectHead(.get, "/lf", [("Host", "a"), ("X", "y")]), expectEndNoTrailers]),
    HTTPParserCase("identical Content-Length repeats",
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5, 005\r\n\r\nhello",
               [expectHead(.post, "/", [("Host", "a"), ("Content-Length", "5"), ("Content-Length", "5, 005")],
                     body: .length(5)), expectBody("hello"), expectEndNoTrailers]),
    HTTPParserCase("empty values and OWS", "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Blank: \t \r\nX-Tab:\tv 1\t\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("X-Empty", ""), ("X-Blank", ""), ("X-Tab", "v 1")]), expectEndNoTrailers]),
    HTTPParserCase("UTF-8 in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: café ☕\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a"), ("X-Name", "café ☕")]), expectEndNoTrailers]),
    HTTPParserCase("other methods are case-sensitive tokens",
               "PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\nget /e HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.other("PROPFIND"), "/d", [("Host", "a")]), expectEndNoTrailers,
                expectHead(.other("get"), "/e", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("Transfer-Encoding with empty list elements",
               "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n1\r\nx\r\n0\r\n\r\n",
               [expectHead(.post, "/", [("Host", "a"), ("Transfer-Encoding", ", chunked ,")], body: .chunked),
                expectBody("x"), expectEndNoTrailers]),
    HTTPParserCase("encoded path stays encoded", "DELETE /a%20b/%2F?x=%2F&y HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectHead(.delete, "/a%20b/%2F?x=%2F&y", [("Host", "a")]), expectEndNoTrailers]),
    HTTPParserCase("PATCH with body and empty Host",
               "PATCH /r HTTP/1.1\r\nHost:\r\nContent-Length: 2\r\n\r\n{}",
               [expectHead(.patch, "/r", [("Host", ""), ("Content-Length", "2")], body: .length(2)), expectBody("{}"), expectEndNoTrailers]),
    HTTPParserCase("Engine.IO polling POST",
               "POST /socket.io/?EIO=4&transport=polling&sid=s1 HTTP/1.1\r\nHost: a\r\n"
               + "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 9\r\n\r\n4hello\u{1e}4x",
               [expectHead(.post, "/socket.io/?EIO=4&transport=polling&sid=s1",
                     [("Host", "a"), ("Content-Type", "text/plain;charset=UTF-8"), ("Content-Length", "9")],
                     body: .length(9)), expectBody("4hello\u{1e}4x"), expectEndNoTrailers]),
]

let httpChunkedHead = expectHead(.post, "/", [("Host", "a"), ("Transfer-Encoding", "chunked")], body: .chunked)
let httpChunkedPrefix = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

let httpInvalidCases: [HTTPParserCase] = [
    HTTPParserCase("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", [.error(.versionNotSupported)]),
    HTTPParserCase("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", [.error(.versionNotSupported)]),
    HTTPParserCase("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", [.error(.versionNotSupported)]),
    HTTPParserCase("HTTP/x", "GET / HTTP/x\r\nHost: a\r\n\r\n", [expectBad("invalid HTTP version")]),
    HTTPParserCase("lowercase http", "GET / http/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid HTTP version")]),
    HTTPParserCase("HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", [expectBad("invalid HTTP version")]),
    HTTPParserCase("no version (HTTP/0.9)", "GET /\r\n\r\n", [expectBad("invalid request target")]),
    HTTPParserCase("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid request target")]),
    HTTPParserCase("trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", [expectBad("invalid HTTP version")]),
    HTTPParserCase("bare CR ends nothing", "GET / HTTP/1.1\rHost: a\r\n\r\n", [expectBad("invalid HTTP version")]),
    HTTPParserCase("bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid method")]),
    HTTPParserCase("control byte in target", "GET /a\u{7f}b HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid request target")]),
    HTTPParserCase("non-ASCII target", "GET /é HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid request target")]),
    HTTPParserCase("asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("asterisk-form target is only for OPTIONS")]),
    HTTPParserCase("relative target", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid request target")]),
    HTTPParserCase("absolute-form without host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", [expectBad("invalid request target")]),
    HTTPParserCase("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", [.error(.notImplemented("CONNECT"))]),
    HTTPParserCase("too many leading empty lines", String(repeating: "\r\n", count: 9) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
               [expectBad("too many empty lines before request line")]),
    HTTPParserCase("whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", [expectBad("whitespace before colon")]),
    HTTPParserCase("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  b\r\n\r\n", [expectBad("obsolete line folding")]),
    HTTPParserCase("whitespace before first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", [expectBad("obsolete line folding")]),
    HTTPParserCase("control byte in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", [expectBad("invalid character in header value")]),
    HTTPParserCase("NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}\r\n\r\n", [expectBad("invalid character in header value")]),
    HTTPParserCase("bare CR in a field line", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", [expectBad("invalid character in header value")]),
    HTTPParserCase("invalid header name", "GET / HTTP/1.1\r\nX(y: a\r\nHost: a\r\n\r\n", [expectBad("invalid header name")]),
    HTTPParserCase("empty header name", "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", [expectBad("empty header name")]),
    HTTPParserCase("missing colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", [expectBad("missing colon in header field")]),
    HTTPParserCase("Content-Length not digits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", [expectBad("invalid Content-Length")]),
    HTTPParserCase("Content-Length empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", [expectBad("invalid Content-Length")]),
    HTTPParserCase("Content-Length with inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", [expectBad("invalid Content-Length")]),
    HTTPParserCase("Content-Length conflict", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
               [expectBad("conflicting Content-Length")]),
    HTTPParserCase("Content-Length list conflict", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
               [expectBad("conflicting Content-Length")]),
    HTTPParserCase("Content-Length overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
               [expectBad("Content-Length overflow")]),
    HTTPParserCase("Transfer-Encoding and Content-Length",
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
               [expectBad("both Transfer-Encoding and Content-Length")]),
    HTTPParserCase("gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
               [.error(.notImplemented("unknown transfer coding"))]),
    HTTPParserCase("gzip then chunked lines", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
               [.error(.notImplemented("unknown transfer coding"))]),
    HTTPParserCase("chunked, gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
               [.error(.notImplemented("unknown transfer coding"))]),
    HTTPParserCase("gzip only", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
               [.error(.notImplemented("unknown transfer coding"))]),
    HTTPParserCase("chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
               [expectBad("chunked is not the final transfer coding")]),
    HTTPParserCase("chunked with parameter", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
               [expectBad("invalid Transfer-Encoding")]),
    HTTPParserCase("empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n",
               [expectBad("invalid Transfer-Encoding")]),
    HTTPParserCase("HTTP/1.0 with Transfer-Encoding", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
               [expectBad("Transfer-Encoding in HTTP/1.0 request")]),
    HTTPParserCase("missing Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", [expectBad("missing Host header")]),
    HTTPParserCase("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", [expectBad("multiple Host headers")]),
    HTTPParserCase("bad chunk size", httpChunkedPrefix + "zz\r\n", [httpChunkedHead, expectBad("invalid chunk size")]),
    HTTPParserCase("junk after chunk size", httpChunkedPrefix + "5x\r\nhello\r\n", [httpChunkedHead, expectBad("invalid chunk size")]),
    HTTPParserCase("space then line end after size", httpChunkedPrefix + "5 \r\nhello\r\n", [httpChunkedHead, expectBad("invalid chunk size")]),
    HTTPParserCase("chunk size with 17 digits", httpChunkedPrefix + "00000000000000001\r\n",
               [httpChunkedHead, expectBad("chunk size too long")]),
    HTTPParserCase("chunk size overflow", httpChunkedPrefix + "8000000000000000\r\n",
               [httpChunkedHead, expectBad("chunk size overflow")], limits: HTTPLimits(maxBodyBytes: Int.max)),
    HTTPParserCase("no CRLF after chunk data", httpChunkedPrefix + "5\r\nhelloX\r\n", [httpChunkedHead, expectBody("hello"),
                                                                              expectBad("missing CRLF after chunk data")]),
    HTTPParserCase("CR then junk after chunk data", httpChunkedPrefix + "5\r\nhello\rX", [httpChunkedHead, expectBody("hello"),
                                                                                 expectBad("missing CRLF after chunk data")]),
    HTTPParserCase("bare CR in chunk size line", httpChunkedPrefix + "5\rhello", [httpChunkedHead, expectBad("bare CR in chunk size line")]),
    HTTPParserCase("control byte in chunk extension", httpChunkedPrefix + "5;a=\u{1}\r\nhello\r\n",
               [httpChunkedHead, expectBad("invalid character in chunk extension")]),
    HTTPParserCase("chunk extension too long", httpChunkedPrefix + "5;" + String(repeating: "e", count: 20) + "\r\nhello\r\n",
               [httpChunkedHead, expectBad("chunk extension too long")], limits: HTTPLimits(maxChunkExtensionBytes: 16)),
    HTTPParserCase("obs-fold in trailers", httpChunkedPrefix + "1\r\nx\r\n0\r\nT: a\r\n b\r\n\r\n",
               [httpChunkedHead, expectBody("x"), expectBad("obsolete line folding")]),
    HTTPParserCase("second pipelined request invalid", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/3.0\r\n\r\n",
               [expectHead(.get, "/", [("Host", "a")]), expectEndNoTrailers, .error(.versionNotSupported)]),
]

final class HTTPRequestParserTests: XCTestCase {
    func testValidCorpusInEveryChunking() {
        XCTAssertGreaterThanOrEqual(httpValidCases.count, 30)
        var runs = 0
        for (index, c) in httpValidCases.enumerated() {
            runs += assertHTTPEveryChunking(c.name, c.input, expected: c.expected, limits: c.limits, seed: UInt64(index))
        }
        print("valid corpus: \(httpValidCases.count) requests, \(runs) chunkings")
    }

    func testInvalidCorpusInEveryChunking() {
        XCTAssertGreaterThanOrEqual(httpInvalidCases.count, 30)
        var runs = 0
        for (index, c) in httpInvalidCases.enumerated() {
            guard case .error(let error) = c.expected.last else { return XCTFail("\(c.name) must end in an error") }
            XCTAssert([400, 501, 505].contains(error.status), c.name)
            runs += assertHTTPEveryChunking(c.name, c.input, expected: c.expected, limits: c.limits,
                                        seed: 1000 + UInt64(index))
        }
        print("invalid corpus: \(httpInvalidCases.count) requests, \(runs) chunkings")
    }

    func testMutatedCorpusIsChunkingIndependent() {
        // Seeded byte flips, insertions and deletions of valid requests: whatever the parser
        // decides must not depend on how the bytes arrive, and it must never trap.
        var rng = HTTPTestRNG(state: 42)
        let alphabet = httpBytes("\r\n :;,\t0aZ-/?%\u{0}\u{7f}\u{ff}9fF")
        var errors = 0
        for round in 0..<600 {
            var input = httpValidCases[round % httpValidCases.count].input
            for _ in 0..<(1 + rng.below(3)) {
                let at = rng.below(input.count)
                let byte = alphabet[rng.below(alphabet.count)]
                switch rng.below(3) {
                case 0: input[at] = byte
                case 1: input.insert(byte, at: at)
                default: input.remove(at: at)
                }
            }
            let limits = round % 3 == 0 ? HTTPLimits(maxRequestLineBytes: 40, maxHeaderBytes: 80, maxHeaderCount: 4,
                                                     maxBodyBytes: 12) : HTTPLimits()
            let whole = runHTTPChunked(input, cuts: [], limits: limits)
            if case .error = whole.last { errors += 1 }
            XCTAssertEqual(runHTTPBytewise(input, limits: limits).events, whole, "round \(round)")
            var cuts: [Int] = []
            var position = 0
            while position < input.count {
                position += 1 + rng.below(12)
                cuts.append(min(position, input.count))
            }
            XCTAssertEqual(runHTTPChunked(input, cuts: cuts, limits: limits), whole, "round \(round)")
        }
        XCTAssertGreaterThan(errors, 100)  // the mutations do reach the error paths
    }

    func testScanPositionIsRemembered() {
        var parser = HTTPRequestParser()
        let input = httpBytes("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + String(repeating: "v", count: 100))
        // Request line consumed; the header block stays with the caller until it is complete.
        let first = input.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<40])) }
        guard case .needMore = first.event else { return XCTFail("\(first.event)") }
        XCTAssertEqual(first.consumed, 16)
        XCTAssertEqual(parser.block.blockBytes, 9)       // "Host: a\r\n" parsed
        XCTAssertEqual(parser.block.scanned, 40 - 25)    // bytes of "X-Long: vvv" already searched for LF
        let rest = Array(input[16...])
        let second = rest.withUnsafeBytes { parser.parse($0) }
        guard case .needMore = second.event else { return XCTFail("\(second.event)") }
        XCTAssertEqual(second.consumed, 0)
        XCTAssertEqual(parser.block.scanned, rest.count - 9)
        let done = (rest + httpBytes("\r\n\r\n")).withUnsafeBytes { parser.parse($0) }
        guard case .head = done.event else { return XCTFail("\(done.event)") }
        let h = parser.takeHead()
        XCTAssertEqual(done.consumed, rest.count + 4)
        XCTAssertEqual(h.headers["x-long"], String(repeating: "v", count: 100))
        XCTAssertEqual(h.headers.name(at: 1), "X-Long")
    }

    func testErrorIsStickyUntilReset() {
        var parser = HTTPRequestParser()
        let junk = httpBytes("GET / HTTP/9.9\r\n\r\n")
        let first = junk.withUnsafeBytes { parser.parse($0) }
        guard case .error(.versionNotSupported) = first.event else { return XCTFail("\(first.event)") }
        let good = httpBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let again = good.withUnsafeBytes { parser.parse($0) }
        guard case .error(.versionNotSupported) = again.event else { return XCTFail("\(again.event)") }
        XCTAssertEqual(again.consumed, 0)
        parser.reset()
        let fresh = good.withUnsafeBytes { parser.parse($0) }
        guard case .head = fresh.event else { return XCTFail("\(fresh.event)") }
        let h = parser.takeHead()
        XCTAssertEqual(h.path, "/")
        XCTAssertEqual(fresh.consumed, good.count)
    }

    func testEndFollowsHeadWithoutConsuming() {
        var parser = HTTPRequestParser()
        let input = httpBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2")
        input.withUnsafeBytes { raw in
            let h = parser.parse(raw)
            guard case .head = h.event else { return XCTFail("\(h.event)") }
            XCTAssertEqual(h.consumed, 27)
            let rest = UnsafeRawBufferPointer(rebasing: raw[h.consumed...])
            let e = parser.parse(rest)
            guard case .end(let trailers) = e.event else { return XCTFail("\(e.event)") }
            XCTAssertTrue(trailers.isEmpty)
            XCTAssertEqual(e.consumed, 0)
            let n = parser.parse(rest)
            guard case .needMore = n.event else { return XCTFail("\(n.event)") }
        }
    }

    func testStatusCodes() {
        XCTAssertEqual(HTTPParseError.uriTooLong.status, 414)
        XCTAssertEqual(HTTPParseError.headerTooLarge.status, 431)
        XCTAssertEqual(HTTPParseError.tooManyHeaders.status, 431)
        XCTAssertEqual(HTTPParseError.bodyTooLarge.status, 413)
        XCTAssertEqual(HTTPParseError.badRequest("x").status, 400)
        XCTAssertEqual(HTTPParseError.notImplemented("x").status, 501)
        XCTAssertEqual(HTTPParseError.versionNotSupported.status, 505)
    }

    /// A head is taken from the parser into one that held another request: every part is
    /// replaced, a query given apart included, and the parser goes on to the next request.
    func testTakingAHeadIntoAnotherReplacesEveryPart() {
        var parser = HTTPRequestParser()
        var head = HTTPRequestHead(method: .other("BREW"), target: "/old?x=1", path: "/old", query: "given", versionMinor: 0,
                                   headers: HTTPHeaders([("A", "b")]), keepAlive: false, expectsContinue: true,
                                   upgrade: "h2c", body: .length(3))
        let input = httpBytes("GET /new?y=2 HTTP/1.1\r\nHost: h\r\n\r\nPOST /p HTTP/1.1\r\nHost: i\r\nContent-Length: 0\r\n\r\n")
        input.withUnsafeBytes { bytes in
            var (event, consumed) = parser.parse(bytes)
            guard case .head = event else { return XCTFail("\(event)") }
            parser.takeHead(into: &head)
            XCTAssertEqual(head, HTTPRequestHead(method: .get, target: "/new?y=2", path: "/new", query: "y=2", versionMinor: 1,
                                                 headers: HTTPHeaders([("Host", "h")]), keepAlive: true, expectsContinue: false,
                                                 upgrade: nil, body: .none))
            XCTAssertTrue(head.queryIsTargets)
            var offset = consumed
            (event, consumed) = parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            guard case .end = event else { return XCTFail("\(event)") }
            offset += consumed
            (event, consumed) = parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            guard case .head = event else { return XCTFail("\(event)") }
            let next = parser.takeHead()
            XCTAssertEqual(next.method, .post)
            XCTAssertEqual(next.target, "/p")
            XCTAssertEqual(next.headers.map(\.name), ["Host", "Content-Length"])
            XCTAssertEqual(next.body, .length(0))
        }
    }

    func testHeadersLookups() {
        var headers = HTTPHeaders([("Accept", "a"), ("Connection", "keep-alive, Upgrade"), ("accept", "b")])
        XCTAssertEqual(headers["ACCEPT"], "a")
        XCTAssertNil(headers["missing"])
        XCTAssertEqual(headers.values("accept"), ["a", "b"])
        XCTAssertTrue(headers.contains("connection", token: "upgrade"))
        XCTAssertTrue(headers.contains("Connection", token: "KEEP-ALIVE"))
        XCTAssertFalse(headers.contains("Connection", token: "close"))
        XCTAssertFalse(headers.contains("Connection", token: "keep"))
        headers.add(name: "Connection", value: " close ,")
        XCTAssertTrue(headers.contains("connection", token: "close"))
        XCTAssertEqual(headers.count, 4)
        XCTAssertEqual(headers.map(\.name), ["Accept", "Connection", "accept", "Connection"])
    }

    func testMethodNames() {
        for name in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW"] {
            XCTAssertEqual(HTTPMethod(name).name, name)
        }
        XCTAssertEqual(HTTPMethod("GET"), .get)
        XCTAssertEqual(HTTPMethod("get"), .other("get"))
    }

    func testTcharMasksMatchTheDefinition() {
        let tchars = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for b in 0...255 { XCTAssertEqual(HTTPBytes.isTchar(UInt8(b)), tchars.contains(UInt8(b)), "byte \(b)") }
    }

    func testLineFeedScanFindsEveryPosition() {
        for length in 0..<40 {
            for position in 0..<max(length, 1) {
                var data = [UInt8](repeating: 0x61, count: length)
                if position < length { data[position] = 10 }
                let found = data.withUnsafeBytes { HTTPBytes.firstLF($0, from: 0, to: length) }
                XCTAssertEqual(found, position < length ? position : nil)
                let later = data.withUnsafeBytes { HTTPBytes.firstLF($0, from: min(position + 1, length), to: length) }
                XCTAssertNil(later)
            }
        }
    }

    func testTimingPrintout() {
        let request = httpBytes(httpBrowserGet)
        var parser = HTTPRequestParser()
        let rounds = 20_000
        let start = ContinuousClock.now
        var heads = 0
        request.withUnsafeBytes { raw in
            for _ in 0..<rounds {
                if case .head = parser.parse(raw).event { heads += 1 }
                _ = parser.parse(UnsafeRawBufferPointer(rebasing: raw[raw.count...]))
            }
        }
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(heads, rounds)
        let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        print("parse \(request.count)-byte GET: \(Int(nanos / Double(rounds))) ns/request")
    }
}

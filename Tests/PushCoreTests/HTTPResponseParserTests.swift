import XCTest
@testable import PushCore

/// What a client observes from the response parser, with consecutive body slices merged.
enum HTTPResponseEvent: Equatable, CustomStringConvertible {
    case head(HTTPResponseHead)
    case body([UInt8])
    case end(HTTPHeaders)
    case error(HTTPParseError)

    var description: String {
        switch self {
        case .head(let h): "head(\(h.status) \(h.reason) 1.\(h.versionMinor) \(h.headers.map { "\($0.name)=\($0.value)" }) ka=\(h.keepAlive) \(h.body))"
        case .body(let b): "body(\(String(decoding: b, as: UTF8.self).debugDescription))"
        case .end(let t): "end(\(t.map { "\($0.name)=\($0.value)" }))"
        case .error(let e): "error(\(e))"
        }
    }
}

/// Plays the HTTP client: keeps a buffer, appends chunks, drops consumed bytes, parses until
/// `.needMore`; `close()` is the peer's FIN.
struct HTTPResponseFeeder {
    var parser: HTTPResponseParser
    var buffer: [UInt8] = []
    var events: [HTTPResponseEvent] = []
    var failed = false

    init(limits: HTTPLimits) { parser = HTTPResponseParser(limits: limits) }

    mutating func record(_ event: HTTPResponseParseEvent) -> Bool {
        switch event {
        case .needMore:
            return false
        case .head(let head):
            events.append(.head(head))
        case .body(let slice):
            XCTAssertGreaterThan(slice.count, 0, "empty body event")
            if case .body(let previous) = events.last {
                events[events.count - 1] = .body(previous + Array(slice))
            } else {
                events.append(.body(Array(slice)))
            }
        case .end(let trailers):
            events.append(.end(trailers))
        case .error(let error):
            events.append(.error(error))
            failed = true
            return false
        }
        return true
    }

    mutating func feed(_ chunk: ArraySlice<UInt8>) {
        guard !failed else { return }
        buffer.append(contentsOf: chunk)
        for _ in 0..<100_000 {
            // An exact-size copy: reading past the caller's bytes would leave the allocation.
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count, alignment: 1)
            defer { copy.deallocate() }
            buffer.withUnsafeBytes { copy.copyMemory(from: $0) }
            let (event, consumed) = parser.parse(UnsafeRawBufferPointer(copy))
            XCTAssert(consumed >= 0 && consumed <= buffer.count, "consumed out of range")
            let progressed = record(event)
            buffer.removeFirst(consumed)
            if !progressed {
                if case .needMore = event {
                    let again = buffer.withUnsafeBytes { parser.parse($0) }
                    if case .needMore = again.event {} else { XCTFail("needMore then progress") }
                    XCTAssertEqual(again.consumed, 0)
                }
                return
            }
        }
        XCTFail("parser did not settle")
    }

    mutating func close() {
        guard !failed else { return }
        _ = record(parser.finish())
    }
}

final class HTTPResponseParserTests: XCTestCase {
    func run(_ input: [UInt8], cuts: [Int], limits: HTTPLimits, close: Bool) -> [HTTPResponseEvent] {
        var feeder = HTTPResponseFeeder(limits: limits)
        var start = 0
        for cut in (cuts + [input.count]).map({ min($0, input.count) }) where cut >= start {
            feeder.feed(input[start..<cut])
            start = cut
        }
        if close { feeder.close() }
        return feeder.events
    }

    /// Whole, every two-piece split, byte by byte and 30 seeded random chunkings give `expected`.
    func check(_ name: String, _ text: String, _ expected: [HTTPResponseEvent], limits: HTTPLimits = .init(),
               close: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        let input = Array(text.utf8)
        XCTAssertEqual(run(input, cuts: [], limits: limits, close: close), expected, "\(name): whole", file: file, line: line)
        for split in 0...input.count {
            let events = run(input, cuts: [split], limits: limits, close: close)
            if events != expected {
                return XCTFail("\(name): split at \(split): \(events)", file: file, line: line)
            }
        }
        XCTAssertEqual(run(input, cuts: Array(0...input.count), limits: limits, close: close), expected,
                       "\(name): byte by byte", file: file, line: line)
        var rng = HTTPTestRNG(state: UInt64(input.count))
        for _ in 0..<30 {
            var cuts: [Int] = []
            var position = 0
            while position < input.count {
                position += 1 + rng.below(7)
                cuts.append(position)
            }
            let events = run(input, cuts: cuts, limits: limits, close: close)
            if events != expected { return XCTFail("\(name): chunking \(cuts): \(events)", file: file, line: line) }
        }
    }

    func head(_ status: Int, _ reason: String, minor: Int = 1, _ headers: [(String, String)],
              keepAlive: Bool = true, body: HTTPResponseBodyKind) -> HTTPResponseEvent {
        .head(HTTPResponseHead(status: status, reason: reason, versionMinor: minor, headers: HTTPHeaders(headers),
                               keepAlive: keepAlive, body: body))
    }

    func body(_ text: String) -> HTTPResponseEvent { .body(Array(text.utf8)) }
    let end = HTTPResponseEvent.end(HTTPHeaders())

    func testContentLength() {
        check("length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"allow\":1}", [
            head(200, "OK", [("Content-Type", "application/json"), ("Content-Length", "11")], body: .length(11)),
            body("{\"allow\":1}"), end,
        ])
        check("empty", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", [
            head(200, "OK", [("Content-Length", "0")], body: .length(0)), end,
        ])
    }

    func testChunkedWithExtensionsAndTrailers() {
        check("chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", [
            head(201, "Created", [("Transfer-Encoding", "chunked")], body: .chunked),
            body("hello world"), .end(HTTPHeaders([("X-T", "1")])),
        ])
    }

    func testBodyUntilCloseEndsAtFinish() {
        check("until close", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it", [
            head(200, "OK", minor: 0, [("Server", "x")], keepAlive: false, body: .untilClose), body("all of it"), end,
        ], close: true)
        // HTTP/1.1 without framing runs until close too, and is never kept alive.
        check("1.1 until close", "HTTP/1.1 200 OK\r\n\r\nabc", [
            head(200, "OK", [], keepAlive: false, body: .untilClose), body("abc"), end,
        ], close: true)
    }

    func testStatusesWithoutBodyAndInterimResponses() {
        check("204", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", [
            head(204, "No Content", [("Content-Length", "5")], body: .none), end,
        ])
        check("304", "HTTP/1.1 304 Not Modified\r\n\r\n", [head(304, "Not Modified", [], body: .none), end])
        check("100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
              + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", [
            head(200, "OK", [("Content-Length", "2")], body: .length(2)), body("ok"), end,
        ])
        check("no reason", "HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", [
            head(500, "", [("Content-Length", "0")], body: .length(0)), end,
        ])
    }

    func testKeepAliveRules() {
        check("close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", [
            head(200, "OK", [("Connection", "close"), ("Content-Length", "0")], keepAlive: false, body: .length(0)), end,
        ])
        check("1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", [
            head(200, "OK", minor: 0, [("Connection", "keep-alive"), ("Content-Length", "1")], body: .length(1)), body("x"), end,
        ])
        check("1.0 default", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", [
            head(200, "OK", minor: 0, [("Content-Length", "1")], keepAlive: false, body: .length(1)), body("x"), end,
        ])
    }

    func testResponsesInARow() {
        check("two", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n", [
            head(200, "OK", [("Content-Length", "1")], body: .length(1)), body("a"), end,
            head(404, "Not Found", [("Transfer-Encoding", "chunked")], body: .chunked), body("b"), end,
        ])
    }

    func testMalformedResponsesAreErrors() {
        let bad: [(String, HTTPParseError)] = [
            ("HTTP/1.1 2000 OK\r\n\r\n", .badRequest("invalid status line")),
            ("HTTP/1.1 20x OK\r\n\r\n", .badRequest("invalid status code")),
            ("HTTP/1.1 099 Low\r\n\r\n", .badRequest("invalid status code")),
            ("HTTP/2.0 200 OK\r\n\r\n", .versionNotSupported),
            ("HTTX/1.1 200 OK\r\n\r\n", .badRequest("invalid status line")),
            ("<html>hello</html>\r\n", .badRequest("invalid status line")),
            ("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", .badRequest("invalid header name")),
            ("HTTP/1.1 200 OK\r\nBad : x\r\n\r\n", .badRequest("whitespace before colon")),
            ("HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n", .badRequest("obsolete line folding")),
            ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .badRequest("conflicting Content-Length")),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .badRequest("invalid Content-Length")),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", .badRequest("both Transfer-Encoding and Content-Length")),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .notImplemented("unknown transfer coding")),
        ]
        for (text, error) in bad {
            check(text, text, [.error(error)])
        }
    }

    func testBrokenChunkFramingIsAnErrorAfterTheHead() {
        let chunkedHead = head(200, "OK", [("Transfer-Encoding", "chunked")], body: .chunked)
        check("size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
              [chunkedHead, .error(.badRequest("invalid chunk size"))])
        check("data end", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",
              [chunkedHead, body("ab"), .error(.badRequest("missing CRLF after chunk data"))])
    }

    func testCutShortIsAnErrorAtFinish() {
        let cut = HTTPParseError.badRequest("connection closed before the response was complete")
        check("in head", "HTTP/1.1 200 OK\r\nContent-Le", [.error(cut)], close: true)
        check("in body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", [
            head(200, "OK", [("Content-Length", "5")], body: .length(5)), body("ab"), .error(cut),
        ], close: true)
        check("nothing", "", [.error(cut)], close: true)
    }

    func testLimits() {
        let small = HTTPLimits(maxRequestLineBytes: 20, maxHeaderBytes: 40, maxHeaderCount: 3, maxBodyBytes: 10)
        check("status line", "HTTP/1.1 200 OKAY-OKAY-OKAY\r\n\r\n", [.error(.uriTooLong)], limits: small)
        check("header bytes", "HTTP/1.1 200 OK\r\nX-A: " + String(repeating: "a", count: 50) + "\r\n\r\n",
              [.error(.headerTooLarge)], limits: small)
        check("header count", "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", [.error(.tooManyHeaders)], limits: small)
        check("length", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", [
            head(200, "OK", [("Content-Length", "11")], body: .length(11)), .error(.bodyTooLarge),
        ], limits: small)
        check("chunked sum", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n", [
            head(200, "OK", [("Transfer-Encoding", "chunked")], body: .chunked), body("abcdef"), .error(.bodyTooLarge),
        ], limits: small)
        check("at the limit", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", [
            head(200, "OK", [("Content-Length", "10")], body: .length(10)), body("0123456789"), end,
        ], limits: small)
        // A body framed by the close is cut off as soon as it passes the limit.
        var feeder = HTTPResponseFeeder(limits: small)
        feeder.feed(ArraySlice("HTTP/1.1 200 OK\r\n\r\n0123456789".utf8))
        XCTAssertEqual(feeder.events.count, 2)
        feeder.feed(ArraySlice("X".utf8))
        XCTAssertEqual(feeder.events.last, .error(.bodyTooLarge))
    }
}

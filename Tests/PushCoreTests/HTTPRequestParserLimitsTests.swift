import XCTest
@testable import PushCore

/// Limits (414, 431, 413): exact boundaries, every chunking, and "reported as soon as the bytes
/// prove it" when input arrives one byte at a time.
final class HTTPRequestParserLimitsTests: XCTestCase {
    let requestLine = "GET /abcdefgh HTTP/1.1"  // 22 bytes
    let fields = "Host: a\r\nX-A: 1\r\n\r\n"      // a 19-byte header block

    func testRequestLineAtTheLimitPasses() {
        let input = httpBytes(requestLine + "\r\n" + fields)
        assertHTTPEveryChunking("line at limit", input, expected: [
            expectHead(.get, "/abcdefgh", [("Host", "a"), ("X-A", "1")]), expectEndNoTrailers,
        ], limits: HTTPLimits(maxRequestLineBytes: 22))
        // A bare LF line end leaves the same room.
        assertHTTPEveryChunking("line at limit, LF", httpBytes(requestLine + "\n" + fields), expected: [
            expectHead(.get, "/abcdefgh", [("Host", "a"), ("X-A", "1")]), expectEndNoTrailers,
        ], limits: HTTPLimits(maxRequestLineBytes: 22))
    }

    func testRequestLineOverTheLimitIs414AsSoonAsProven() {
        let limits = HTTPLimits(maxRequestLineBytes: 21)
        let input = httpBytes(requestLine + "\r\n" + fields)
        assertHTTPEveryChunking("line over limit", input, expected: [.error(.uriTooLong)], limits: limits)
        // The 22nd byte is not a CR, so the content is already longer than 21: no need to wait for LF.
        XCTAssertEqual(runHTTPBytewise(input, limits: limits).errorAt, 22)

        // A line that never ends is reported at the same point.
        let endless = httpBytes("GET /" + String(repeating: "a", count: 100))
        XCTAssertEqual(runHTTPBytewise(endless, limits: limits).errorAt, 22)
        XCTAssertEqual(runHTTPBytewise(endless, limits: HTTPLimits(maxRequestLineBytes: 8192)).errorAt, nil)

        // With the default limit, 8193 bytes without a line end are enough to know.
        let long = httpBytes("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n")
        var feeder = HTTPParserFeeder()
        feeder.feed(long[0..<8192])
        XCTAssertEqual(feeder.events, [])
        feeder.feed(long[8192..<8193])
        XCTAssertEqual(feeder.events, [.error(.uriTooLong)])
    }

    func testRequestLineAtTheLimitThenCRWaitsForLF() {
        let limits = HTTPLimits(maxRequestLineBytes: 22)
        // 22 content bytes and a CR could still be a proper line end...
        let good = httpBytes(requestLine + "\r")
        XCTAssertEqual(runHTTPBytewise(good, limits: limits).errorAt, nil)
        // ...but a 24th byte that is not LF proves the line is longer.
        XCTAssertEqual(runHTTPBytewise(httpBytes(requestLine + "\rX"), limits: limits).errorAt, 24)
    }

    func testHeaderBlockAtTheLimitPasses() {
        let input = httpBytes(requestLine + "\r\n" + fields)
        assertHTTPEveryChunking("block at limit", input, expected: [
            expectHead(.get, "/abcdefgh", [("Host", "a"), ("X-A", "1")]), expectEndNoTrailers,
        ], limits: HTTPLimits(maxHeaderBytes: 19))
    }

    func testHeaderBlockOverTheLimitIs431AsSoonAsProven() {
        let limits = HTTPLimits(maxHeaderBytes: 18)
        let input = httpBytes(requestLine + "\r\n" + fields)
        assertHTTPEveryChunking("block over limit", input, expected: [.error(.headerTooLarge)], limits: limits)
        // 18 block bytes received ("...X-A: 1\r\n\r") and the block has not ended: it cannot fit.
        XCTAssertEqual(runHTTPBytewise(input, limits: limits).errorAt, 24 + 18)

        // One endless field line is cut off at the limit, not when its LF arrives.
        let endless = httpBytes(requestLine + "\r\nX-Big: " + String(repeating: "x", count: 50_000))
        XCTAssertEqual(runHTTPBytewise(endless, limits: HTTPLimits(maxHeaderBytes: 64)).errorAt, 24 + 64)
        var feeder = HTTPParserFeeder()
        feeder.feed(endless[0..<(24 + 16383)])
        XCTAssertEqual(feeder.events, [])
        feeder.feed(endless[(24 + 16383)...(24 + 16383)])
        XCTAssertEqual(feeder.events, [.error(.headerTooLarge)])
    }

    func testHeaderCountLimit() {
        let input = httpBytes(requestLine + "\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n")
        assertHTTPEveryChunking("count at limit", input, expected: [
            expectHead(.get, "/abcdefgh", [("Host", "a"), ("A", "1"), ("B", "2")]), expectEndNoTrailers,
        ], limits: HTTPLimits(maxHeaderCount: 3))
        let limits = HTTPLimits(maxHeaderCount: 2)
        assertHTTPEveryChunking("count over limit", input, expected: [.error(.tooManyHeaders)], limits: limits)
        // Reported when the third field line is complete (its LF), before the block ends.
        XCTAssertEqual(runHTTPBytewise(input, limits: limits).errorAt, 24 + 9 + 6 + 6)
    }

    func testHeaderFloodWithDefaults() {
        let flood = requestLine + "\r\nHost: a\r\n" + String(repeating: "X: y\r\n", count: 100) + "\r\n"
        let events = runHTTPChunked(httpBytes(flood), cuts: [])
        XCTAssertEqual(events, [.error(.tooManyHeaders)])
    }

    func testTrailerLimits() {
        // The trailer block gets its own budget, equal to the header block's (39 bytes, 2 fields here).
        let prefix = httpChunkedPrefix + "1\r\nx\r\n0\r\n"
        let limits = HTTPLimits(maxHeaderBytes: 39, maxHeaderCount: 2)
        let fits = "T1: " + String(repeating: "v", count: 31) + "\r\n\r\n"  // 39 bytes
        assertHTTPEveryChunking("trailers at limit", httpBytes(prefix + fits), expected: [
            httpChunkedHead, expectBody("x"), .end(HTTPHeaders([("T1", String(repeating: "v", count: 31))])),
        ], limits: limits)
        let tooBig = "T1: " + String(repeating: "v", count: 32) + "\r\n\r\n"
        assertHTTPEveryChunking("trailer bytes over", httpBytes(prefix + tooBig),
                            expected: [httpChunkedHead, expectBody("x"), .error(.headerTooLarge)], limits: limits)
        XCTAssertEqual(runHTTPBytewise(httpBytes(prefix + tooBig), limits: limits).errorAt, httpBytes(prefix).count + 39)
        assertHTTPEveryChunking("trailer count at limit", httpBytes(prefix + "A: 1\r\nB: 2\r\n\r\n"),
                            expected: [httpChunkedHead, expectBody("x"), .end(HTTPHeaders([("A", "1"), ("B", "2")]))],
                            limits: limits)
        assertHTTPEveryChunking("trailer count over", httpBytes(prefix + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
                            expected: [httpChunkedHead, expectBody("x"), .error(.tooManyHeaders)], limits: limits)
    }

    func testContentLengthOverLimitIs413AfterTheHead() {
        let input = httpBytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world")
        let postHead = expectHead(.post, "/", [("Host", "a"), ("Content-Length", "11")], body: .length(11))
        assertHTTPEveryChunking("length over limit", input, expected: [postHead, .error(.bodyTooLarge)],
                            limits: HTTPLimits(maxBodyBytes: 10))
        assertHTTPEveryChunking("length at limit", input, expected: [postHead, expectBody("hello world"), expectEndNoTrailers],
                            limits: HTTPLimits(maxBodyBytes: 11))
        // Known from the head alone: no body byte is needed to report it.
        let headOnly = Array(input.dropLast(11))
        XCTAssertEqual(runHTTPBytewise(headOnly, limits: HTTPLimits(maxBodyBytes: 10)).errorAt, headOnly.count)
        // The caller may raise (or lower) the limit for this request once it has seen the head.
        assertHTTPEveryChunking("limit raised after head", input, expected: [postHead, expectBody("hello world"), expectEndNoTrailers],
                            limits: HTTPLimits(maxBodyBytes: 10), onHead: { parser, _ in parser.setBodyLimit(100) })
        assertHTTPEveryChunking("limit lowered after head", input, expected: [postHead, .error(.bodyTooLarge)],
                            onHead: { parser, _ in parser.setBodyLimit(5) })
    }

    func testBodyLimitOverrideLastsOneRequest() {
        let one = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
        let postHead = expectHead(.post, "/", [("Host", "a"), ("Content-Length", "11")], body: .length(11))
        var raised = false
        let events = runHTTPChunked(httpBytes(one + one), cuts: [], limits: HTTPLimits(maxBodyBytes: 10)) { parser, _ in
            if !raised { parser.setBodyLimit(11); raised = true }
        }
        XCTAssertEqual(events, [postHead, expectBody("hello world"), expectEndNoTrailers, postHead, .error(.bodyTooLarge)])
    }

    func testChunkedTotalOverLimitIs413AtTheDigit() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        let input = httpBytes(httpChunkedPrefix + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        assertHTTPEveryChunking("chunked over limit", input, expected: [httpChunkedHead, expectBody("hello"), .error(.bodyTooLarge)],
                            limits: limits)
        let digitAt = httpBytes(httpChunkedPrefix + "5\r\nhello\r\n6").count
        XCTAssertEqual(runHTTPBytewise(input, limits: limits).errorAt, digitAt)

        // A multi-digit size is judged digit by digit: "10" (16) fails at the "0".
        let big = httpBytes(httpChunkedPrefix + "10\r\n" + String(repeating: "z", count: 16) + "\r\n0\r\n\r\n")
        XCTAssertEqual(runHTTPBytewise(big, limits: limits).errorAt, httpBytes(httpChunkedPrefix + "10").count)
        assertHTTPEveryChunking("one big chunk", big, expected: [httpChunkedHead, .error(.bodyTooLarge)], limits: limits)

        // Exactly at the limit passes, and setBodyLimit applies to chunked bodies too.
        let exact = httpBytes(httpChunkedPrefix + "5\r\nhello\r\n5\r\n worl\r\n0\r\n\r\n")
        assertHTTPEveryChunking("chunked at limit", exact, expected: [httpChunkedHead, expectBody("hello worl"), expectEndNoTrailers],
                            limits: limits)
        assertHTTPEveryChunking("chunked limit raised", input, expected: [httpChunkedHead, expectBody("hello world"), expectEndNoTrailers],
                            limits: limits, onHead: { parser, _ in parser.setBodyLimit(11) })
    }

    func testHugeChunkSizeIs413NotACrash() {
        let input = httpBytes(httpChunkedPrefix + "ffffffffffffffff\r\n")
        assertHTTPEveryChunking("huge chunk", input, expected: [httpChunkedHead, .error(.bodyTooLarge)])
    }

    func testExtremeLimitValuesDoNotTrap() {
        let limits = HTTPLimits(maxRequestLineBytes: Int.max, maxHeaderBytes: Int.max, maxHeaderCount: Int.max,
                                maxBodyBytes: Int.max, maxChunkExtensionBytes: Int.max, maxLeadingEmptyLines: Int.max)
        let input = httpBytes(httpChunkedPrefix + "5;e\r\nhello\r\n0\r\n\r\n")
        assertHTTPEveryChunking("max limits", input, expected: [httpChunkedHead, expectBody("hello"), expectEndNoTrailers], limits: limits)
        let zero = HTTPLimits(maxRequestLineBytes: -1, maxHeaderBytes: 0, maxHeaderCount: 0, maxBodyBytes: 0)
        XCTAssertEqual(runHTTPChunked(httpBytes("GET / HTTP/1.1\r\n\r\n"), cuts: [], limits: zero), [.error(.uriTooLong)])
        XCTAssertEqual(runHTTPChunked(httpBytes("\r\n"), cuts: [], limits: HTTPLimits(maxLeadingEmptyLines: 0)),
                       [expectBad("too many empty lines before request line")])
    }
}

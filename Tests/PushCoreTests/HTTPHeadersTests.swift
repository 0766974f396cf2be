import XCTest
@testable import PushCore

final class HTTPHeadersTests: XCTestCase {
    func testLineByteCountIsTheSingleSpaceFormOnTheWire() {
        let pairs = [("Host", "example.com"), ("X-Empty", ""), ("Cookie", "caf\u{E9}=\u{2615}")]
        let wire = pairs.map { "\($0.0): \($0.1)\r\n" }.joined()
        XCTAssertEqual(HTTPHeaders(pairs).lineByteCount, wire.utf8.count)
        XCTAssertEqual(HTTPHeaders().lineByteCount, 0)
    }

    func testLineByteCountOfAParsedHeadCountsTheBytesReceived() throws {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nX-Value: \u{E9}t\u{E9}\r\n\r\n"
        guard case .head(let head)? = runHTTPChunked(httpBytes(raw), cuts: []).first else {
            return XCTFail("no head")
        }
        XCTAssertEqual(head.headers.lineByteCount, "Host: h\r\nX-Value: \u{E9}t\u{E9}\r\n".utf8.count)
    }

    /// Fields added one at a time make the same head as the pairs at once, each addition
    /// rebuilding the buffer around the ones before; a compacted copy is equal too.
    func testFieldsAddedOneByOneKeepTheirOrderAndLookups() {
        let pairs = [("Host", "a"), ("X-Empty", ""), ("accept", "b"), ("Cookie", "caf\u{E9}"), ("ACCEPT", "c, d")]
        var built = HTTPHeaders()
        XCTAssertTrue(built.isEmpty)
        for (index, pair) in pairs.enumerated() {
            built.add(name: pair.0, value: pair.1)
            XCTAssertEqual(built.count, index + 1)
            XCTAssertEqual(built, HTTPHeaders(Array(pairs[...index])))
        }
        XCTAssertEqual(built.map { "\($0.name)=\($0.value)" }, pairs.map { "\($0.0)=\($0.1)" })
        XCTAssertEqual(built["accept"], "b")
        XCTAssertEqual(built.values("Accept"), ["b", "c, d"])
        XCTAssertEqual(built["x-empty"], "")
        XCTAssertNil(built["Missing"])
        XCTAssertTrue(built.contains("accept", token: "D"))
        XCTAssertFalse(built.contains("host", token: "b"))
        XCTAssertEqual(built.compacted(), built)
        XCTAssertEqual(built.compacted().storage.count, built.storage.count)
        XCTAssertNotEqual(built, HTTPHeaders(Array(pairs.dropLast())))
    }

    /// A parsed block's offsets are found again from its bytes: bare LF and CRLF line ends,
    /// tabs and spaces around values, empty values, a colon inside a value.
    func testParsedBlockOffsets() {
        let raw = "GET / HTTP/1.1\r\nHost: h\nX-A:\t v:1 \t\r\nX-Empty:\r\nx-b:w\n\r\n"
        guard case .head(let head)? = runHTTPChunked(httpBytes(raw), cuts: []).first else {
            return XCTFail("no head")
        }
        XCTAssertEqual(head.headers, HTTPHeaders([("Host", "h"), ("X-A", "v:1"), ("X-Empty", ""), ("x-b", "w")]))
        XCTAssertEqual(head.headers.count, 4)
        let none = "GET / HTTP/1.0\r\n\r\n"
        guard case .head(let bare)? = runHTTPChunked(httpBytes(none), cuts: []).first else { return XCTFail("no head") }
        XCTAssertTrue(bare.headers.isEmpty)
        XCTAssertEqual(bare.headers.count, 0)
    }
}

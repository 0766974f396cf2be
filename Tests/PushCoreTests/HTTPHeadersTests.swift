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
}

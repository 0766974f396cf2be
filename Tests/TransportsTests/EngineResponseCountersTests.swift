import PushCore
import XCTest
@testable import Transports

final class EngineResponseCountersTests: XCTestCase {
    private func parseHead(_ raw: String) -> (head: HTTPRequestHead, consumed: Int)? {
        var parser = HTTPRequestParser()
        let bytes = Array(raw.utf8)
        return bytes.withUnsafeBytes { buffer in
            let (event, consumed) = parser.parse(buffer)
            if case .head = event { return (parser.takeHead(), consumed) }
            return nil
        }
    }

    func testRequestHeadSizeIsWhatTheClientWrote() throws {
        let raw = "GET /socket.io/?EIO=4&transport=short-polling&sid=abc HTTP/1.1\r\n"
            + "Host: 127.0.0.1:3000\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\nCookie: a=b\r\n\r\n"
        let (head, consumed) = try XCTUnwrap(parseHead(raw))
        XCTAssertEqual(consumed, raw.utf8.count)
        XCTAssertEqual(head.wireByteCount, raw.utf8.count)

        let post = "POST /socket.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nHost: h\r\n"
            + "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n"
        XCTAssertEqual(try XCTUnwrap(parseHead(post + "ok")).head.wireByteCount, post.utf8.count)

        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PROPFIND", "M"] {
            let raw = "\(method) /x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n"
            XCTAssertEqual(try XCTUnwrap(parseHead(raw)).head.wireByteCount, raw.utf8.count, method)
        }
    }

    func testResponsesAddToTheSessionCounters() {
        var counters = SessionCounters()
        counters.headBytesOut = 7
        counters.httpRequests = 3
        counters.countResponse(head: 140, body: 1)
        counters.countResponse(head: 150, body: 20)
        XCTAssertEqual(counters.headBytesOut, 7 + 140 + 150)
        XCTAssertEqual(counters.httpResponses, 2)
        XCTAssertEqual(counters.httpResponseBytes, 141 + 170)
        XCTAssertEqual(counters.httpRequests, 3)
    }

    func testClientFrameOverheadFollowsThePayloadLengthEncoding() {
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(0), 6)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(125), 6)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(126), 8)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(65_535), 8)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(65_536), 14)
    }
}

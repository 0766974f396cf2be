import Dispatch
import PushCore
import XCTest
@testable import Transports

final class EngineResponseCountersTests: XCTestCase {
    private func parseHead(_ raw: String) -> (head: HTTPRequestHead, consumed: Int)? {
        var parser = HTTPRequestParser()
        let bytes = Array(raw.utf8)
        return bytes.withUnsafeBytes { buffer in
            let (event, consumed) = parser.parse(buffer)
            if case .head(let head) = event { return (head, consumed) }
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
    }

    func testResponsesAndStreamHeadsAddToTheSessionCounters() {
        let counters = EngineResponseCounters()
        counters.response(head: 140, body: 1)
        counters.response(head: 150, body: 20)
        counters.response(head: 0, body: 5)    // not written (the request was gone): not counted
        counters.streamHead(129)               // a 101 or an event stream's head
        var base = SessionCounters()
        base.headBytesOut = 7
        base.httpRequests = 3
        let total = counters.added(to: base)
        XCTAssertEqual(total.headBytesOut, 7 + 140 + 150 + 129)
        XCTAssertEqual(total.httpResponses, 2)
        XCTAssertEqual(total.httpResponseBytes, 141 + 170)
        XCTAssertEqual(total.httpRequests, 3)
    }

    func testCountsFromManyThreadsAddUp() {
        let counters = EngineResponseCounters()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1_000 { counters.response(head: 100, body: 1) }
        }
        let total = counters.added(to: SessionCounters())
        XCTAssertEqual(total.httpResponses, 8_000)
        XCTAssertEqual(total.httpResponseBytes, 808_000)
    }

    func testClientFrameOverheadFollowsThePayloadLengthEncoding() {
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(0), 6)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(125), 6)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(126), 8)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(65_535), 8)
        XCTAssertEqual(WebSocketTransport.clientFrameOverhead(65_536), 14)
    }
}

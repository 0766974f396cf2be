import XCTest
import PushCore

final class HandshakeRequestTests: XCTestCase {
    func testKeepsAddressTargetAndClientFieldsInOrder() {
        let long = String(repeating: "v", count: 300)  // a length over one LEB128 byte
        let request = HandshakeRequest(
            headerPairs: [("Host", "example.com"), ("Cookie", long), ("X-Empty", ""), ("Origin", "https://app.example")],
            remoteAddress: "10.0.0.1:5000", issuedAt: 1_700_000_000_000, url: "/socket.io/?EIO=4&transport=websocket&k=%C3%A9")
        XCTAssertEqual(request.remoteAddress, "10.0.0.1:5000")
        XCTAssertEqual(request.url, "/socket.io/?EIO=4&transport=websocket&k=%C3%A9")
        XCTAssertEqual(request.issuedAt, 1_700_000_000_000)
        XCTAssertEqual(request.headerPairs.map(\.0), ["Host", "Cookie", "X-Empty", "Origin"])
        XCTAssertEqual(request.headerPairs.map(\.1), ["example.com", long, "", "https://app.example"])
        XCTAssertEqual(request.query.first { $0.0 == "k" }?.1, "é")
    }

    /// Built on the stack when small and on the heap when not: both keep every byte.
    func testHeadsOfEverySizeAreKeptWhole() {
        for size in [0, 1, 127, 128, 1_000, 4_096, 20_000] {
            let value = String((0..<size).map { Character(UnicodeScalar(UInt8(33 + $0 % 90))) })
            let request = HandshakeRequest(headerPairs: [("Cookie", value), ("X-After", "z")], remoteAddress: "[::1]:9",
                                           issuedAt: Int64(size), url: "/?n=\(size)")
            XCTAssertEqual(request.headerPairs.map(\.1), [value, "z"], "size \(size)")
            XCTAssertEqual(request.remoteAddress, "[::1]:9")
            XCTAssertEqual(request.url, "/?n=\(size)")
            XCTAssertEqual(request.issuedAt, Int64(size))
        }
    }

    func testLeavesOutTheFieldsOfTheConnectionThatCarriedIt() {
        let request = HandshakeRequest(
            headerPairs: [("Host", "h"), ("connection", "Upgrade"), ("UPGRADE", "websocket"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                          ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Extensions", "permessage-deflate"), ("Keep-Alive", "timeout=5"),
                          ("TE", "trailers"), ("Transfer-Encoding", "chunked"), ("Sec-WebSocket-Protocol", "chat"), ("User-Agent", "ua")],
            remoteAddress: "a", issuedAt: 0, url: "/")
        XCTAssertEqual(request.headerPairs.map(\.0), ["Host", "Sec-WebSocket-Protocol", "User-Agent"])
    }

    func testNamesThatOnlyStartLikeAConnectionFieldAreKept() {
        let names = ["Connections", "Upgrade-Insecure-Requests", "Tea", "Sec-WebSocket-Key2", "X-Connection"]
        let request = HandshakeRequest(headerPairs: names.map { ($0, "1") }, remoteAddress: "a", issuedAt: 0, url: "/")
        XCTAssertEqual(request.headerPairs.map(\.0), names)
    }

    func testTimesRoundTripWhole() {
        for time: Int64 in [0, 1, -1, 1_733_400_000_123, .max, .min] {
            XCTAssertEqual(HandshakeRequest(headerPairs: [], remoteAddress: "", issuedAt: time, url: "").issuedAt, time)
        }
    }

    func testAParsedHeadIsKeptAsItsFieldsWereReceived() {
        let raw = "GET /socket.io/?EIO=4 HTTP/1.1\r\nHost:  h \r\nConnection: Upgrade\r\nX-Name:\tcaf\u{E9}\r\nX-Empty:\r\n\r\n"
        guard case .head(let head)? = runHTTPChunked(httpBytes(raw), cuts: []).first else {
            return XCTFail("no head")
        }
        let request = HandshakeRequest(headers: head.headers, remoteAddress: "[::1]:9", issuedAt: 5, url: head.target)
        XCTAssertEqual(request.headerPairs.map(\.0), ["Host", "X-Name", "X-Empty"])
        XCTAssertEqual(request.headerPairs.map(\.1), ["h", "caf\u{E9}", ""])
        XCTAssertEqual(request.url, "/socket.io/?EIO=4")
        XCTAssertEqual(request.remoteAddress, "[::1]:9")
        XCTAssertEqual(request.issuedAt, 5)
    }
}

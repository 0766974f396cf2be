@testable import PushCore
import XCTest

final class WebSocketHandshakeTests: XCTestCase {
    private static let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

    /// A request as the HTTP parser would present it: headers with case-insensitive names.
    private struct Request {
        var method = "GET"
        var versionMinor = 1
        var headers: [(String, String)] = [
            ("Host", "example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", WebSocketHandshakeTests.sampleKey),
            ("Sec-WebSocket-Version", "13"),
        ]

        func validate() -> Result<String, WebSocketHandshakeError> {
            WebSocketHandshake.validate(head).map(\.text)
        }

        var head: HTTPRequestHead {
            HTTPRequestHead(method: HTTPMethod(method), target: "/", path: "/", query: "", versionMinor: versionMinor,
                            headers: HTTPHeaders(headers), keepAlive: true, expectsContinue: false, upgrade: nil, body: .none)
        }

        func replacing(_ name: String, with value: String?) -> Request {
            var copy = self
            copy.headers.removeAll { $0.0.lowercased() == name.lowercased() }
            if let value { copy.headers.append((name, value)) }
            return copy
        }
    }

    /// RFC 6455 §1.3 example.
    func testAcceptValueRFCExample() {
        XCTAssertEqual(WebSocketHandshake.acceptValue(forKey: Self.sampleKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertEqual(WebSocketHandshake.guid, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    }

    func testAcceptValueOtherKey() {
        // base64(SHA1("x3JJHMbDL1EzLkh9GBhXDw==" + GUID)), a key seen in the wild.
        XCTAssertEqual(WebSocketHandshake.acceptValue(forKey: "x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=")
    }

    func testValidRequest() {
        XCTAssertEqual(Request().validate(), .success("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }

    func testTokensAndCaseVariants() {
        var request = Request().replacing("Connection", with: "keep-alive, Upgrade")
        request = request.replacing("Upgrade", with: "WebSocket")
        XCTAssertEqual(request.validate(), .success("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        // Surrounding whitespace in values is not part of the key or version.
        let spaced = Request().replacing("Sec-WebSocket-Key", with: " \(Self.sampleKey)\t")
            .replacing("Sec-WebSocket-Version", with: " 13 ")
        XCTAssertEqual(spaced.validate(), .success("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }

    func testMethodAndVersion() {
        for method in ["POST", "get", "HEAD", ""] {
            var request = Request()
            request.method = method
            XCTAssertEqual(request.validate(), .failure(.notGet), method)
        }
        var old = Request()
        old.versionMinor = 0
        XCTAssertEqual(old.validate(), .failure(.badHTTPVersion))
    }

    func testUpgradeAndConnectionHeaders() {
        for value in [nil, "h2c", "websockets", ""] as [String?] {
            XCTAssertEqual(Request().replacing("Upgrade", with: value).validate(), .failure(.missingUpgrade), "\(value ?? "nil")")
        }
        for value in [nil, "keep-alive", "upgraded", ""] as [String?] {
            XCTAssertEqual(Request().replacing("Connection", with: value).validate(), .failure(.missingConnectionUpgrade), "\(value ?? "nil")")
        }
    }

    func testBadKeys() {
        let bad: [String?] = [
            nil, "", "dGhlIHNhbXBsZQ==",             // 11 bytes
            "dGhlIHNhbXBsZSBub25jZQ=",               // bad padding
            "dGhlIHNhbXBsZSBub25jZSE=",              // 17 bytes
            "dGhlIHNhbXBsZSBub25jZQ==AA",            // data after padding
            "dGhlIHNhbXBsZSBub25jZ!==",              // not base64
            "dGhlIHNhbXBsZSBub25jZQ===",             // too much padding
            "dGhlIHNhbXBsZSBub25jZQ=a=",
        ]
        for key in bad {
            XCTAssertEqual(Request().replacing("Sec-WebSocket-Key", with: key).validate(), .failure(.badKey), "\(key ?? "nil")")
        }
    }

    func testVersions() {
        for version in [nil, "8", "12", "14", "13, 8", ""] as [String?] {
            let result = Request().replacing("Sec-WebSocket-Version", with: version).validate()
            XCTAssertEqual(result, .failure(.unsupportedVersion), "\(version ?? "nil")")
        }
    }

    func testErrorStatusAndHeaders() {
        let all: [WebSocketHandshakeError] = [.notGet, .badHTTPVersion, .missingUpgrade, .missingConnectionUpgrade, .badKey, .unsupportedVersion]
        for error in all {
            XCTAssertFalse(error.reason.isEmpty)
            if error == .unsupportedVersion {
                XCTAssertEqual(error.status, 426)
                XCTAssertEqual(error.responseHeaders.map { "\($0.0): \($0.1)" }, ["Sec-WebSocket-Version: 13"])
            } else {
                XCTAssertEqual(error.status, 400)
                XCTAssertTrue(error.responseHeaders.isEmpty)
            }
        }
    }

    func testSwitchingProtocolsResponse() {
        guard case .success(let accept) = WebSocketHandshake.validate(Request().head) else { return XCTFail("refused") }
        var response = [UInt8](repeating: 0, count: WebSocketHandshake.responseByteCount)
        response.withUnsafeMutableBytes { WebSocketHandshake.writeResponse(accept, to: $0.baseAddress!) }
        XCTAssertEqual(String(decoding: response, as: UTF8.self),
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    /// A head as the parser makes it: the key found among other fields, whatever their order
    /// and case, and repeated Upgrade and Connection lines each looked at.
    func testParsedHeadWithManyFields() throws {
        let text = "GET /chat HTTP/1.1\r\nHost: example.com\r\nsec-websocket-version: 13\r\nUser-Agent: x\r\n"
            + "Connection: keep-alive\r\nUPGRADE: h2c\r\nSEC-WEBSOCKET-KEY:   \(Self.sampleKey)\r\nConnection: Upgrade\r\n"
            + "Upgrade: foo, WebSocket\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\r\n"
        var parser = HTTPRequestParser()
        let bytes = Array(text.utf8)
        let (event, _) = bytes.withUnsafeBytes { parser.parse($0) }
        guard case .head = event else { return XCTFail("\(event)") }
        let head = parser.takeHead()
        XCTAssertEqual(WebSocketHandshake.validate(head).map(\.text), .success("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }
}

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

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func hasToken(_ name: String, _ token: String) -> Bool {
            headers.filter { $0.0.lowercased() == name.lowercased() }.contains { header in
                header.1.split(separator: ",").contains { part in
                    String(part.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
                        .lowercased() == token.lowercased()
                }
            }
        }

        func validate() -> Result<String, WebSocketHandshakeError> {
            WebSocketHandshake.validate(method: method, versionMinor: versionMinor, header: header, headerHasToken: hasToken)
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
        let response = WebSocketHandshake.switchingProtocolsResponse(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertEqual(String(decoding: response, as: UTF8.self),
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    func testSwitchingProtocolsExtraHeaders() {
        let response = WebSocketHandshake.switchingProtocolsResponse(accept: "abc=", extraHeaders: [
            ("X-Server", "pushd"),
            ("Sec-WebSocket-Protocol", "chat"),
            ("sec-websocket-extensions", "permessage-deflate"),
            ("X-Evil", "a\r\nSet-Cookie: x=1"),
            ("X-Bad\nName", "v"),
            ("Set-Cookie", "io=abc; Path=/"),
        ])
        XCTAssertEqual(String(decoding: response, as: UTF8.self),
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       + "Sec-WebSocket-Accept: abc=\r\nX-Server: pushd\r\nSet-Cookie: io=abc; Path=/\r\n\r\n")
    }
}

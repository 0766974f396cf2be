
/// Why an upgrade request was refused.
package enum WebSocketHandshakeError: Error, Equatable, Sendable {
    /// The method is not GET.
    case notGet
    /// The request is not HTTP/1.1.
    case badHTTPVersion
    /// No "websocket" token in Upgrade.
    case missingUpgrade
    /// No "upgrade" token in Connection.
    case missingConnectionUpgrade
    /// Sec-WebSocket-Key missing or not base64 of 16 bytes.
    case badKey
    /// Sec-WebSocket-Version missing or not 13.
    case unsupportedVersion

    /// The HTTP status to answer with: 426 Upgrade Required for a version we do not speak
    /// (RFC 6455 §4.4), 400 otherwise.
    package var status: Int { self == .unsupportedVersion ? 426 : 400 }

    /// Headers the refusal must carry: the version we speak, on 426.
    package var responseHeaders: [(String, String)] {
        self == .unsupportedVersion ? [("Sec-WebSocket-Version", "13")] : []
    }

    /// A short reason for logs and the response body.
    package var reason: String {
        switch self {
        case .notGet: return "WebSocket upgrade requires GET"
        case .badHTTPVersion: return "WebSocket upgrade requires HTTP/1.1"
        case .missingUpgrade: return "Upgrade header must contain websocket"
        case .missingConnectionUpgrade: return "Connection header must contain upgrade"
        case .badKey: return "Sec-WebSocket-Key must be base64 of 16 bytes"
        case .unsupportedVersion: return "Sec-WebSocket-Version must be 13"
        }
    }
}

/// The accept value of a valid upgrade, kept as the digest it encodes: the 101 response is
/// written from it straight into the connection's output, with no String or array made.
package struct WebSocketAccept: Sendable, Equatable {
    let digest: SHA1.Digest

    /// Base64 of a 20-byte digest: 27 characters and one "=".
    package static let count = 28

    /// Writes the 28 characters at `out`.
    package func write(to out: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { bytes in
            let raw = UnsafeMutableRawPointer(bytes.baseAddress!)
            raw.storeBytes(of: digest.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: digest.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: digest.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: digest.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: digest.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            var k = 0
            Base64.encode(UnsafeBufferPointer(bytes), url: false, padded: true) {
                out.storeBytes(of: $0, toByteOffset: k, as: UInt8.self)
                k &+= 1
            }
        }
    }

    /// The value as text.
    package var text: String {
        String(unsafeUninitializedCapacity: Self.count) { buffer in
            write(to: UnsafeMutableRawPointer(buffer.baseAddress!))
            return Self.count
        }
    }
}

/// The server side of the RFC 6455 opening handshake (§4.2), on the parsed head's bytes.
package enum WebSocketHandshake {
    /// The GUID appended to the client's key before hashing (RFC 6455 §1.3).
    package static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The Sec-WebSocket-Accept value for `key`: base64(SHA1(key + guid)).
    package static func acceptValue(forKey key: String) -> String {
        var key = key
        return key.withUTF8 { accept(forKey: UnsafeRawBufferPointer($0)).text }
    }

    /// SHA-1 of the key and the GUID, put together on the stack (a valid key is 22 to 24
    /// bytes; any length works).
    private static func accept(forKey key: UnsafeRawBufferPointer) -> WebSocketAccept {
        let total = key.count &+ guidBytes.count
        return withUnsafeTemporaryAllocation(byteCount: total, alignment: 8) { input in
            if key.count > 0 { input.baseAddress!.copyMemory(from: key.baseAddress!, byteCount: key.count) }
            guidBytes.withUnsafeBytes { (input.baseAddress! + key.count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return WebSocketAccept(digest: SHA1.digest(UnsafeRawBufferPointer(input)))
        }
    }

    private static let guidBytes = Array(guid.utf8)

    /// Checks an upgrade request and returns the accept value to answer with. The fields are
    /// read once, as bytes, names matched by length first: Upgrade must list `websocket` and
    /// Connection `upgrade` (any line of either, any case); the first Sec-WebSocket-Key must
    /// be base64 of 16 bytes and the first Sec-WebSocket-Version 13. No subprotocol or
    /// extension is ever selected.
    package static func validate(_ head: HTTPRequestHead) -> Result<WebSocketAccept, WebSocketHandshakeError> {
        guard head.method == .get else { return .failure(.notGet) }
        // §4.1: "HTTP/1.1 or higher"; the major version is the HTTP parser's business.
        guard head.versionMinor >= 1 else { return .failure(.badHTTPVersion) }
        return head.headers.withFields { fields in
            let raw = fields.raw
            var upgrade = false, connectionUpgrade = false
            var key: Range<Int>?, version: Range<Int>?
            for i in 0..<fields.count {
                let nameStart = fields.offset(i, 0), nameEnd = fields.offset(i, 1)
                let value = HTTPBytes.trimmed(raw, fields.offset(i, 2), fields.offset(i, 3))
                switch nameEnd &- nameStart {
                case 7 where HTTPBytes.equalsLowercased(raw, nameStart, nameEnd, "upgrade"):
                    if !upgrade { upgrade = listHolds(raw, value, "websocket") }
                case 10 where HTTPBytes.equalsLowercased(raw, nameStart, nameEnd, "connection"):
                    if !connectionUpgrade { connectionUpgrade = listHolds(raw, value, "upgrade") }
                case 17 where HTTPBytes.equalsLowercased(raw, nameStart, nameEnd, "sec-websocket-key"):
                    if key == nil { key = value }
                case 21 where HTTPBytes.equalsLowercased(raw, nameStart, nameEnd, "sec-websocket-version"):
                    if version == nil { version = value }
                default:
                    break
                }
            }
            guard upgrade else { return .failure(.missingUpgrade) }
            guard connectionUpgrade else { return .failure(.missingConnectionUpgrade) }
            guard let key, Base64.decodedCount(UnsafeRawBufferPointer(rebasing: raw[key])) == 16 else { return .failure(.badKey) }
            guard let version, HTTPBytes.equalsExactly(raw, version.lowerBound, version.upperBound, "13") else {
                return .failure(.unsupportedVersion)
            }
            return .success(accept(forKey: UnsafeRawBufferPointer(rebasing: raw[key])))
        }
    }

    /// The 101 response before the accept value.
    private static let responseStart = Array(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ".utf8)
    private static let responseEnd = Array("\r\n\r\n".utf8)

    /// Bytes of the 101 response.
    package static let responseByteCount = responseStart.count + WebSocketAccept.count + responseEnd.count

    /// Writes the complete 101 response, `responseByteCount` bytes, at `out`.
    package static func writeResponse(_ accept: WebSocketAccept, to out: UnsafeMutableRawPointer) {
        responseStart.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        accept.write(to: out + responseStart.count)
        responseEnd.withUnsafeBytes {
            (out + responseStart.count + WebSocketAccept.count).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
        }
    }

    // MARK: - Helpers

    /// Whether the comma-separated list in `value` holds `token` (case-insensitive).
    private static func listHolds(_ raw: UnsafeRawBufferPointer, _ value: Range<Int>, _ token: StaticString) -> Bool {
        var found = false
        HTTPBytes.forEachListElement(raw, value.lowerBound, value.upperBound) { s, e in
            if !found && HTTPBytes.equalsLowercased(raw, s, e, token) { found = true }
        }
        return found
    }
}


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

/// The server side of the RFC 6455 opening handshake (§4.2), on plain values.
package enum WebSocketHandshake {
    /// The GUID appended to the client's key before hashing (RFC 6455 §1.3).
    package static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The Sec-WebSocket-Accept value for `key`: base64(SHA1(key + guid)).
    package static func acceptValue(forKey key: String) -> String {
        var key = key
        return key.withUTF8(acceptValue(forKeyBytes:))
    }

    private static func acceptValue(forKeyBytes key: UnsafeBufferPointer<UInt8>) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: key.count + guidBytes.count) { input in
            _ = input.initialize(fromContentsOf: key)
            _ = UnsafeMutableBufferPointer(rebasing: input[key.count...]).initialize(fromContentsOf: guidBytes)
            return Base64.encode(SHA1.hash(input))
        }
    }

    private static let guidBytes = Array(guid.utf8)

    /// Checks an upgrade request and returns the accept value to answer with.
    ///
    /// `header(name)` gives the first value of a header (case-insensitive name);
    /// `headerHasToken(name, token)` tells whether a comma-separated header holds `token`
    /// (case-insensitive). No subprotocol or extension is ever selected.
    package static func validate(
        method: String,
        versionMinor: Int,
        header: (String) -> String?,
        headerHasToken: (String, String) -> Bool
    ) -> Result<String, WebSocketHandshakeError> {
        guard method == "GET" else { return .failure(.notGet) }
        // §4.1: "HTTP/1.1 or higher"; the major version is the HTTP parser's business.
        guard versionMinor >= 1 else { return .failure(.badHTTPVersion) }
        guard headerHasToken("Upgrade", "websocket") else { return .failure(.missingUpgrade) }
        guard headerHasToken("Connection", "upgrade") else { return .failure(.missingConnectionUpgrade) }
        guard let rawKey = header("Sec-WebSocket-Key") else { return .failure(.badKey) }
        var key = trimmed(rawKey)
        return key.withUTF8 { key in
            guard Base64.decodedCount(key) == 16 else { return .failure(.badKey) }
            guard let version = header("Sec-WebSocket-Version"), trimmed(version) == "13" else {
                return .failure(.unsupportedVersion)
            }
            return .success(acceptValue(forKeyBytes: key))
        }
    }

    /// The complete 101 response. `extraHeaders` are appended after the required ones, except
    /// Sec-WebSocket-Protocol/Extensions (we select none) and any header whose name or value
    /// holds CR, LF or NUL (response splitting).
    package static func switchingProtocolsResponse(accept: String, extraHeaders: [(String, String)] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ".utf8)
        out.append(contentsOf: accept.utf8)
        out.append(contentsOf: "\r\n".utf8)
        for (name, value) in extraHeaders {
            if isSelectionHeader(name) || !isSafeHeaderText(name) || !isSafeHeaderText(value) { continue }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    // MARK: - Helpers

    /// `value` without the spaces and tabs around it (they are ASCII, so the bounds fall on
    /// characters).
    private static func trimmed(_ value: String) -> Substring {
        let bytes = value.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { bytes.formIndex(after: &start) }
        while end > start {
            let last = bytes.index(before: end)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        return value[start..<end]
    }

    private static func isSelectionHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "sec-websocket-protocol" || lower == "sec-websocket-extensions"
    }

    private static func isSafeHeaderText(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }
}

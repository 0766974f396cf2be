
/// A close status code (RFC 6455 §7.4), sent in close frames and mapped from protocol errors.
package struct WebSocketCloseCode: RawRepresentable, Sendable, Equatable, Hashable {
    /// The 16-bit code as sent on the wire.
    package let rawValue: UInt16

    /// Wraps any code; use `isValidOnWire` before trusting one that came from a peer.
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection is fulfilled.
    package static let normal = WebSocketCloseCode(rawValue: 1000)
    /// 1001: server shutting down or the page navigating away.
    package static let goingAway = WebSocketCloseCode(rawValue: 1001)
    /// 1002: the peer broke the framing protocol.
    package static let protocolError = WebSocketCloseCode(rawValue: 1002)
    /// 1003: a data type the endpoint cannot accept.
    package static let unsupportedData = WebSocketCloseCode(rawValue: 1003)
    /// 1005: reserved; stands for "close frame had no code" and is never sent.
    package static let noStatus = WebSocketCloseCode(rawValue: 1005)
    /// 1006: reserved; stands for "closed without a close frame" and is never sent.
    package static let abnormal = WebSocketCloseCode(rawValue: 1006)
    /// 1007: payload inconsistent with its type (e.g. text that is not UTF-8).
    package static let invalidPayload = WebSocketCloseCode(rawValue: 1007)
    /// 1008: a generic policy violation (e.g. too many fragments in one message).
    package static let policyViolation = WebSocketCloseCode(rawValue: 1008)
    /// 1009: a message larger than the endpoint accepts.
    package static let messageTooBig = WebSocketCloseCode(rawValue: 1009)
    /// 1010: (client only) the server did not negotiate a required extension.
    package static let mandatoryExtension = WebSocketCloseCode(rawValue: 1010)
    /// 1011: an unexpected condition on the server.
    package static let internalError = WebSocketCloseCode(rawValue: 1011)
    /// 1015: reserved; stands for "TLS handshake failed" and is never sent.
    package static let tlsHandshakeFailure = WebSocketCloseCode(rawValue: 1015)

    /// Whether `code` may appear in a close frame: 1000-1003, 1007-1011 and the
    /// registered/private ranges 3000-4999. 1004-1006 and 1015 are reserved, the rest unassigned.
    package static func isValidOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }

    /// Whether this code may appear in a close frame.
    package var isValidOnWire: Bool { Self.isValidOnWire(rawValue) }
}

import PushCore

/// What runs on top of engine sessions: the Socket.IO layer, or a raw engine app (echo, bench).
/// Every call comes on the session's own loop.
public protocol EngineApplication: AnyObject, Sendable {
    /// A session completed its handshake.
    func engineSocketOpened(_ socket: EngineSocket)
    /// A message packet (text or binary) arrived.
    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket)
    /// A message arrived whose payload is lent for this call: it lies in the connection's
    /// input, and a span cannot outlive the call. An application that only reads it, or sends
    /// it on at once (`EngineSocket.send(message:isBinary:)`), saves a copy per message. A
    /// WebSocket message that arrives whole comes this way; the default copies the payload
    /// into a packet for `engineSocket(_:didReceive:)`.
    func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool)
    /// The session moved to another transport (an upgrade).
    func engineSocketUpgraded(_ socket: EngineSocket)
    /// The session closed (the reason's description is Socket.IO's wording).
    func engineSocketClosed(_ socket: EngineSocket, reason: EngineCloseReason)
    /// Bytes the application holds for the session's client (partial packets), for the node's
    /// client memory budget.
    func engineSocketHeldBytes(_ socket: EngineSocket) -> Int
}

extension EngineApplication {
    public func engineSocketOpened(_ socket: EngineSocket) {}
    public func engineSocketClosed(_ socket: EngineSocket, reason: EngineCloseReason) {}
    public func engineSocketUpgraded(_ socket: EngineSocket) {}
    public func engineSocketHeldBytes(_ socket: EngineSocket) -> Int { 0 }

    public func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool) {
        receiveCopy(of: payload, isBinary: isBinary, on: socket)
    }

    /// What the default does with a lent message: copies it into a message packet for
    /// `engineSocket(_:didReceive:)`.
    public func receiveCopy(of payload: RawSpan, isBinary: Bool, on socket: EngineSocket) {
        socket.loop.assertInLoop()
        let loop = socket.loop
        // Built in the loop's spare array, which gets the payload back once the packet is
        // handled (and keeps it only where nothing else holds it).
        let packet = payload.withUnsafeBytes { bytes in
            EnginePacket(type: .message, payload: .copy(of: bytes, reusing: &loop.spareMessage), isBinary: isBinary)
        }
        engineSocket(socket, didReceive: packet)
        loop.recycle(packet.payload)
    }
}

/// Who may call from another origin (CORS, and the Origin of WebSocket handshakes).
public enum OriginPolicy: Sendable {
    /// Only pages served by this server (Origin's host equals Host).
    case sameOrigin
    /// Any origin (`--cors-origin '*'`), without credentials: `Access-Control-Allow-Origin: *`.
    case any
    /// Same origin plus these exact origins ("https://app.example.com"), with credentials.
    case list([String])

    /// Whether a request with this Origin (nil: not a browser's cross-site request) and Host
    /// (the one the browser addressed: X-Forwarded-Host when the proxy is trusted) may proceed;
    /// `scheme`, when a trusted proxy tells it, must be the Origin's too.
    public func allows(origin: String?, host: String?, scheme: String? = nil) -> Bool {
        guard let origin else { return true }
        if case .any = self { return true }
        if let host, scheme.map({ origin.lowercased().hasPrefix($0 + "://") }) ?? true,
           Self.sameAuthority(origin: origin, host: host) { return true }
        if case .list(let origins) = self { return origins.contains(origin) }
        return false
    }

    /// The CORS headers for this origin: `*` without credentials for `.any` (reflecting any
    /// origin with credentials would let every site act with the user's cookies); the origin
    /// itself with credentials only when it is listed by name.
    public func corsHeaders(origin: String?, host: String?) -> [(String, String)] {
        guard let origin else { return [] }
        switch self {
        case .any:
            return [("Access-Control-Allow-Origin", "*")]
        case .list(let origins) where origin != "null" && origins.contains(origin):
            return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]
        default:
            return []
        }
    }

    /// Whether the Origin names the host the request was sent to: "http://Example.com:80" and
    /// "example.com" match (a default port may be written or left out on either side).
    static func sameAuthority(origin: String, host: String) -> Bool {
        let authority = authority(of: origin)
        let host = host.lowercased()
        if authority == host { return true }
        let defaultPort = origin.lowercased().hasPrefix("https:") ? ":443" : ":80"
        func bare(_ text: String) -> String { text.hasSuffix(defaultPort) ? String(text.dropLast(defaultPort.count)) : text }
        return bare(authority) == bare(host)
    }

    /// "http://Example.com:3000" -> "example.com:3000".
    static func authority(of origin: String) -> String {
        let bytes = Array(origin.utf8)
        guard bytes.count > 3, let start = (0..<(bytes.count - 2)).first(where: {
            bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/")
        }) else { return origin.lowercased() }
        return String(decoding: bytes[(start + 3)...], as: UTF8.self).lowercased()
    }
}

/// What a socket's client sent when it connected. Holds the engine session's request as that
/// keeps it (one shared buffer, decoded on demand), not a copy of every string per socket.
public struct SocketHandshake: Sendable {
    /// The engine handshake request.
    public let request: HandshakeRequest
    /// Query parameters given apart from the request's target (a snapshot from another node);
    /// nil: the target's.
    private let givenQuery: [(String, String)]?
    /// The CONNECT packet's auth payload (`{}` when none).
    public let auth: JSONValue

    public init(request: HandshakeRequest, auth: JSONValue) {
        self.request = request
        self.givenQuery = nil
        self.auth = auth
    }

    public init(headers: [(String, String)], query: [(String, String)], auth: JSONValue,
                remoteAddress: String, issuedAt: Int64, url: String) {
        self.request = HandshakeRequest(headerPairs: headers, remoteAddress: remoteAddress, issuedAt: issuedAt, url: url)
        self.givenQuery = query
        self.auth = auth
    }

    /// Request headers of the engine handshake (names as sent), less the hop-by-hop and
    /// WebSocket handshake fields (see `HandshakeRequest`).
    public var headers: [(String, String)] { request.headerPairs }
    /// Query parameters of the engine handshake.
    public var query: [(String, String)] { givenQuery ?? request.query }
    public var remoteAddress: String { request.remoteAddress }
    /// Milliseconds since 1970.
    public var issuedAt: Int64 { request.issuedAt }
    public var url: String { request.url }

    /// The first header with this name, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The first query parameter with this name.
    public func query(_ name: String) -> String? {
        query.first { $0.0 == name }?.1
    }
}

/// A middleware's refusal: the client gets CONNECT_ERROR with this message (and data).
public struct ConnectionRefused: Error, Sendable {
    public let message: String
    public let data: JSONValue?

    public init(_ message: String, data: JSONValue? = nil) {
        self.message = message
        self.data = data
    }

    var payload: JSONValue {
        var members = [JSONMember("message", .string(message))]
        if let data { members.append(JSONMember("data", data)) }
        return .object(members)
    }
}

/// Why an acknowledgement did not come.
public enum AckError: Error, Sendable, Equatable {
    /// No answer within the timeout.
    case timeout
    /// The socket disconnected first.
    case disconnected
}

/// What a socket's client sent when it connected.
public struct SocketHandshake: Sendable {
    /// Request headers of the engine handshake (names as sent).
    public let headers: [(String, String)]
    /// Query parameters of the engine handshake.
    public let query: [(String, String)]
    /// The CONNECT packet's auth payload (`{}` when none).
    public let auth: JSONValue
    public let remoteAddress: String
    /// Milliseconds since 1970.
    public let issuedAt: Int64
    public let url: String

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

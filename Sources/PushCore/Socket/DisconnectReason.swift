/// Why a socket left its namespace, in Socket.IO's words. The description (the raw value) is
/// stable: logs, the test app and clients see exactly these strings.
public enum DisconnectReason: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The transport failed (a broken HTTP request or stream).
    case transportError = "transport error"
    /// The connection closed, or the client closed its engine session.
    case transportClose = "transport close"
    /// The engine session was closed by the application without the socket layer.
    case forcedClose = "forced close"
    /// The client stopped answering pings.
    case pingTimeout = "ping timeout"
    /// The client sent something that is not the protocol (also: a first packet that is not CONNECT).
    case parseError = "parse error"
    /// The server is stopping.
    case serverShuttingDown = "server shutting down"
    /// The server ended the engine session (a drain, or `EngineSocket.close()`).
    case forcedServerClose = "forced server close"
    /// The client sent DISCONNECT for this namespace.
    case clientNamespaceDisconnect = "client namespace disconnect"
    /// The server disconnected the socket (`Socket.disconnect`, `disconnectSockets`).
    case serverNamespaceDisconnect = "server namespace disconnect"
    /// No namespace was connected in time after the engine session opened.
    case connectTimeout = "connect timeout"
    /// The client fell too far behind and its queue overflowed.
    case slowConsumer = "slow consumer"
    /// The connection token expired and no fresh one came in time.
    case tokenExpired = "token expired"

    /// The stable string.
    public var description: String { rawValue }

    /// Whether a socket that left for this reason may be recovered (Socket.IO's list: the
    /// connection failed or the server went away, not a decision of either side's app).
    public var isRecoverable: Bool {
        switch self {
        case .transportError, .transportClose, .forcedClose, .pingTimeout, .serverShuttingDown, .forcedServerClose: true
        case .parseError, .clientNamespaceDisconnect, .serverNamespaceDisconnect, .connectTimeout, .slowConsumer, .tokenExpired: false
        }
    }

    /// The reason whose stable string is `description`, or nil (e.g. an engine reason this
    /// layer does not know).
    public init?(_ description: String) {
        self.init(rawValue: description)
    }

    /// What the sockets of an engine session that ended for `reason` report.
    public init(_ reason: EngineCloseReason) {
        switch reason {
        case .transportClose: self = .transportClose
        case .transportError: self = .transportError
        case .pingTimeout: self = .pingTimeout
        case .parseError: self = .parseError
        case .forcedServerClose: self = .forcedServerClose
        case .slowConsumer: self = .slowConsumer
        }
    }
}

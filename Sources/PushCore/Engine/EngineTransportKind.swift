/// The four ways a session's packets travel; the raw value is the `transport` query value.
public enum EngineTransportKind: String, Sendable, CaseIterable {
    /// RFC 6455 WebSocket, one packet per frame.
    case websocket = "websocket"
    /// Server-Sent Events down, POST up (pushd's extension).
    case sse = "sse"
    /// Engine.IO "polling": GET held until there is something to send, POST up.
    case longPolling = "polling"
    /// Plain polling: GET answered at once, with a noop when nothing is queued (pushd's extension).
    case polling = "short-polling"

    /// The transports a session on this one may upgrade to (sent in the open packet).
    public var upgrades: [String] { canUpgrade ? Self.upgradeTargets : [] }

    /// Whether a session on this transport may upgrade: every one but WebSocket.
    public var canUpgrade: Bool { self != .websocket }

    /// What a session that may upgrade may upgrade to.
    static let upgradeTargets = [EngineTransportKind.websocket.rawValue]

    /// This transport's bit in a set of transports held as a mask (a request checks its
    /// transport against the allowed ones without hashing).
    public var bit: UInt8 {
        switch self {
        case .websocket: 1
        case .sse: 2
        case .longPolling: 4
        case .polling: 8
        }
    }

    /// Whether packets go down in HTTP responses rather than on a persistent stream.
    public var isRequestResponse: Bool { self == .longPolling || self == .polling }
}

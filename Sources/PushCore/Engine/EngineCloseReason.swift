/// Why an engine session ended, in Socket.IO's words (the raw value, stable for logs and for
/// the `disconnect` reason the socket layer reports).
public enum EngineCloseReason: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The client closed the session (a close packet), or its transport went away.
    case transportClose = "transport close"
    /// The client broke the transport's rules (two long-polling GETs at once).
    case transportError = "transport error"
    /// No pong within pingTimeout of a ping.
    case pingTimeout = "ping timeout"
    /// A packet or payload that does not decode, or is not allowed where it came.
    case parseError = "parse error"
    /// The server closed the session (application, shutdown).
    case forcedServerClose = "forced server close"
    /// More than the session's queue cap waited for a client that does not read.
    case slowConsumer = "slow consumer"

    /// The raw value: the reason as Socket.IO words it.
    public var description: String { rawValue }
}

/// How a close reaches the client.
public enum EngineCloseMode: String, Sendable, CaseIterable {
    /// The server ends the session: a close packet goes down first.
    case notify
    /// The client asked: a held poll ends with a noop.
    case clientRequested
    /// The transport is gone or timed out: nothing to send.
    case silent
    /// The client is not reading (a slow consumer): drop what is queued and cut the connection
    /// now instead of waiting for a flush that will not come.
    case abort
}

/// What the transports do when a session closes.
public struct EngineClosePlan: Equatable, Sendable {
    /// Why the session closes (for the application and logs).
    public let reason: EngineCloseReason
    /// How the close reaches the client (what `release` was made from).
    public let mode: EngineCloseMode
    /// What happens to the transport packets were going down on.
    public let release: EngineTransportRelease
    /// Whether a probe WebSocket is open and must be closed too (without a close packet).
    public let closesProbe: Bool

    /// A plan; the session makes these.
    public init(reason: EngineCloseReason, mode: EngineCloseMode, release: EngineTransportRelease, closesProbe: Bool) {
        self.reason = reason
        self.mode = mode
        self.release = release
        self.closesProbe = closesProbe
    }
}

/// What a lifecycle observer hears about a socket (`SocketServer.observeLifecycle`).
public enum SocketLifecycleEvent: Sendable, Equatable {
    /// The socket connected (its CONNECT reply is queued; rooms joined in middleware are in `rooms`).
    case connected
    /// The connected socket joined a room other than its own.
    case joined(String)
    /// The connected socket left a room other than its own.
    case left(String)
    /// The socket disconnected, for this reason.
    case disconnected(DisconnectReason)
}

/// Connection state recovery (Socket.IO 4.6's `connectionStateRecovery`): a client that lost its
/// connection comes back within `window` with the same socket id, rooms and data, and gets the
/// events it missed. Off while `window` is 0.
public struct RecoveryConfiguration: Sendable {
    /// Milliseconds a disconnected socket stays recoverable; 0 turns recovery off.
    public var window: Int64 = 0
    /// Whether a recovered socket skips the namespaces' middleware (as Socket.IO does).
    /// Connection tokens are checked again either way.
    public var skipMiddleware = true
    /// Bytes of missed events one socket may get back; past it the socket connects afresh.
    public var maxBytesPerSocket = 1 << 20
    /// Bytes the whole store (missed events and disconnected sockets' state) may hold on this
    /// node; past it the oldest events are dropped first.
    public var maxStoreBytes = 64 << 20

    public init() {}

    /// Whether recovery is on.
    public var isEnabled: Bool { window > 0 }
}

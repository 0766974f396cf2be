/// Sees every socket of a server come, move between rooms and go, on the socket's loop: what
/// pushd's token expiry and lifecycle reporting build on. Each method has an empty default.
public protocol SocketObserver: AnyObject, Sendable {
    /// The socket connected (its CONNECT answer is on its way); `socket.rooms` holds the rooms
    /// it joined while connecting.
    func socketConnected(_ socket: Socket)
    /// A connected socket joined `room`.
    func socket(_ socket: Socket, joined room: String)
    /// A connected socket left `room` (not called for the rooms it leaves by disconnecting).
    func socket(_ socket: Socket, left room: String)
    /// The socket is disconnecting; its rooms are still known.
    func socketDisconnected(_ socket: Socket, reason: DisconnectReason)
}

extension SocketObserver {
    public func socketConnected(_ socket: Socket) {}
    public func socket(_ socket: Socket, joined room: String) {}
    public func socket(_ socket: Socket, left room: String) {}
    public func socketDisconnected(_ socket: Socket, reason: DisconnectReason) {}
}

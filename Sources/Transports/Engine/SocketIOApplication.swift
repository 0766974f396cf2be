import PushCore

/// Runs the Socket.IO layer on engine sessions.
public final class SocketIOApplication: EngineApplication {
    public let server: SocketServer

    public init(server: SocketServer) {
        self.server = server
    }

    public func engineSocketOpened(_ socket: EngineSocket) {
        socket.loop.assertInLoop()
        socket.context = server.engineOpened(socket)
    }

    public func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        socket.loop.assertInLoop()
        guard let client = socket.context else { return }
        server.engineReceived(packet, client: client)
    }

    /// Text is parsed where it lies (the packet copies what it keeps); a binary message is an
    /// attachment, which a packet keeps whole, so it comes as a packet.
    public func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool) {
        guard !isBinary else {
            receiveCopy(of: payload, isBinary: true, on: socket)
            return
        }
        socket.loop.assertInLoop()
        guard let client = socket.context else { return }
        payload.withUnsafeBytes { server.engineReceived(text: $0, client: client) }
    }

    public func engineSocketUpgraded(_ socket: EngineSocket) {
        socket.loop.assertInLoop()
        guard let client = socket.context else { return }
        server.engineUpgraded(client: client)
    }

    public func engineSocketHeldBytes(_ socket: EngineSocket) -> Int {
        socket.context.map { server.heldBytes(client: $0) } ?? 0
    }

    public func engineSocketClosed(_ socket: EngineSocket, reason: EngineCloseReason) {
        socket.loop.assertInLoop()
        guard let client = socket.context else { return }
        socket.context = nil
        server.engineClosed(client: client, reason: DisconnectReason(reason))
    }
}

/// The socket layer's loops; its timers are loop-confined (asserted in `schedule` and
/// `Timer.cancel`).
extension EventLoop: SocketExecutor {
    public func scheduleTimer(after milliseconds: Int64, _ action: @escaping () -> Void) -> SocketTimer {
        assertInLoop()
        return schedule(after: milliseconds, action)
    }

    /// From the loop's buffered randomness: no system call per id.
    public func makeID() -> String {
        assertInLoop()
        return SessionID.make(using: &random)
    }
}

extension Timer: SocketTimer {}

extension EngineSocket: EngineLink {
    public var sessionID: String { id }
    public var executor: SocketExecutor { loop }
    public var transportName: String { transport.rawValue }
    public var handshakeHeaders: [(String, String)] { request.headerPairs }
    public var handshakeQuery: [(String, String)] { request.query }
    public var remoteAddress: String { request.remoteAddress }
    public var issuedAt: Int64 { request.issuedAt }
    public var requestURL: String { request.url }
    /// Shares the request as the session keeps it instead of copying its strings per socket.
    public func handshake(auth: JSONValue) -> SocketHandshake { SocketHandshake(request: request, auth: auth) }
    public var counters: SessionCounters { stats }
}

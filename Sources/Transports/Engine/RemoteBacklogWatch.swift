import PushCore

/// Tells a session how far behind its client is when the connection its packets go down lives
/// on another loop (a WebSocket upgraded on another connection, an event stream resumed on
/// one), where the session cannot read the write queue. The connection's loop hops to the
/// session's only when the queue crosses the volatile-drop mark, either way; past the
/// session's cap it closes the connection there and then, so a client that reads nothing
/// costs the cap, as on the session's own loop, and the session closes as a slow consumer.
/// Made on the session's loop, which alone reads `reported`; the marks are the connection's
/// loop's.
final class RemoteBacklogWatch: @unchecked Sendable {
    let connection: Connection
    private let socket: EngineSocket
    /// Past this backlog the session drops volatile packets.
    private let volatileMark: Int
    /// Past this backlog the session is a slow consumer.
    private let limit: Int
    /// The write queue's size at its last crossing.
    @exclusivity(unchecked) var reported = 0

    init(connection: Connection, socket: EngineSocket) {
        let config = socket.session.config
        self.connection = connection
        self.socket = socket
        self.limit = config.maxQueueBytes
        self.volatileMark = min(config.volatileDropBytes, config.maxQueueBytes)
    }

    /// Arms the marks on the connection's loop, ahead of the session's next writes there.
    func start() {
        connection.loop.run { [self] in
            guard !connection.isClosed else { return }
            // Dropped by the connection when it closes, which ends the cycle.
            connection.onBacklogCrossed = { [self] in crossed() }
            connection.backlogMarks = (volatileMark, -1)
            if connection.queuedBytes > volatileMark { crossed() }
        }
    }

    private func crossed() {
        let queued = connection.queuedBytes
        let socket = self.socket
        if queued > limit {
            connection.onBacklogCrossed = nil
            // The session hears of this before the connection's close (its loop's queue is
            // FIFO), so it closes as a slow consumer, not as a lost transport.
            socket.loop.run { [self] in socket.remoteBacklogOverflowed(self, bytes: queued) }
            connection.close()
            return
        }
        connection.backlogMarks = queued > volatileMark ? (limit, volatileMark) : (volatileMark, -1)
        socket.loop.run { [self] in socket.remoteBacklogChanged(self, bytes: queued) }
    }
}

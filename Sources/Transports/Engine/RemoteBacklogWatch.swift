import PushCore

/// Tells a session how far behind its client is when the connection its packets go down lives
/// on another loop (a WebSocket upgraded on another connection, an event stream resumed on
/// one), where the session cannot read the write queue. The connection's loop hops to the
/// session's only when the queue crosses the volatile-drop mark, either way; past the
/// session's cap it closes the connection there and then, so a client that reads nothing
/// costs the cap, as on the session's own loop, and the session closes as a slow consumer.
/// Bytes the session hands to that loop count too, as in transit, until that loop has taken
/// them into the write queue: while it is behind (fanning out a storm of broadcasts) they wait
/// in its inbox, where the queue does not see them, and volatile packets would pile up there
/// instead of being dropped. The session asks for an acknowledgement once per `ackEvery`
/// bytes, not per write; the question queues behind the bytes it counts, so its answer says
/// they were taken.
/// Made on the session's loop, which alone reads `reported` and the bytes in transit; the
/// marks are the connection's loop's.
final class RemoteBacklogWatch: @unchecked Sendable {
    let connection: Connection
    private let socket: EngineSocket
    /// Past this backlog the session drops volatile packets.
    private let volatileMark: Int
    /// Past this backlog the session is a slow consumer.
    private let limit: Int
    /// Bytes in transit past which the session asks the connection's loop to acknowledge them.
    private let ackEvery: Int
    /// The write queue's size at its last crossing or acknowledgement.
    @exclusivity(unchecked) var reported = 0
    /// Bytes handed to the connection's loop so far, and those of them it has acknowledged.
    @exclusivity(unchecked) private var handedOff = 0
    @exclusivity(unchecked) private var acknowledged = 0
    @exclusivity(unchecked) private var asking = false

    /// Bytes handed to the connection's loop that it may not have written into the queue yet.
    var inTransit: Int { handedOff - acknowledged }

    init(connection: Connection, socket: EngineSocket) {
        let config = socket.session.config
        self.connection = connection
        self.socket = socket
        self.limit = config.maxQueueBytes
        self.volatileMark = min(config.volatileDropBytes, config.maxQueueBytes)
        self.ackEvery = max(1, volatileMark / 4)
    }

    /// The session just handed `bytes` to the connection's loop (after them, on its queue).
    func handedOff(_ bytes: Int) {
        handedOff += bytes
        askIfDue()
    }

    /// The connection's loop took everything handed off up to `mark`; its queue then held
    /// `queued` bytes.
    func acknowledge(through mark: Int, queued: Int) {
        acknowledged = mark
        reported = queued
        asking = false
        askIfDue()
    }

    private func askIfDue() {
        guard !asking, inTransit >= ackEvery else { return }
        asking = true
        let mark = handedOff
        let socket = self.socket
        connection.loop.execute { [self] in
            let queued = connection.queuedBytes
            socket.loop.run { [self] in socket.remoteBacklogAcknowledged(self, through: mark, queued: queued) }
        }
    }

    /// Arms the marks on the connection's loop, ahead of the session's next writes there.
    func start() {
        connection.loop.run { [self] in
            guard !connection.isClosed else { return }
            // Dropped by the connection when it closes, which ends the cycle.
            let watch = BacklogWatch(above: volatileMark) { [self] in crossed($0) }
            connection.backlogWatch = watch
            if connection.queuedBytes > volatileMark { crossed(watch) }
        }
    }

    private func crossed(_ watch: BacklogWatch) {
        let queued = connection.queuedBytes
        let socket = self.socket
        if queued > limit {
            connection.backlogWatch = nil
            // The session hears of this before the connection's close (its loop's queue is
            // FIFO), so it closes as a slow consumer, not as a lost transport.
            socket.loop.run { [self] in socket.remoteBacklogOverflowed(self, bytes: queued) }
            connection.close()
            return
        }
        if queued > volatileMark { watch.mark(above: limit, below: volatileMark) } else { watch.mark(above: volatileMark, below: -1) }
        socket.loop.run { [self] in socket.remoteBacklogChanged(self, bytes: queued) }
    }
}

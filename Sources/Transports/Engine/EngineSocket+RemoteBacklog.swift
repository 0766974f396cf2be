import PushCore

/// The write queue of a stream on another loop, as its `RemoteBacklogWatch` reports it.
extension EngineSocket {
    /// Watches the connection the session's packets now go down, when it is on another loop.
    func watchBacklog(of connection: Connection) {
        loop.assertInLoop()
        guard connection.loop !== loop else {
            remoteBacklog = nil
            return
        }
        let watch = RemoteBacklogWatch(connection: connection, socket: self)
        remoteBacklog = watch
        watch.start()
    }

    /// What the attached stream on another loop last reported holding, and what was handed to
    /// its loop since and not yet acknowledged (0 when none is attached).
    var remoteBacklogBytes: Int {
        guard let watch = remoteBacklog else { return 0 }
        switch channel {
        case .webSocket(let transport) where transport.connection === watch.connection:
            return watch.reported + watch.inTransit
        case .eventStream(let writer) where writer.connection === watch.connection:
            return watch.reported + watch.inTransit
        default:
            return 0
        }
    }

    /// `bytes` for `connection` were just handed to its loop: in transit, when it is the
    /// watched one on another loop.
    func handedOff(_ bytes: Int, to connection: Connection) {
        guard let watch = remoteBacklog, watch.connection === connection else { return }
        watch.handedOff(bytes)
    }

    func remoteBacklogAcknowledged(_ watch: RemoteBacklogWatch, through mark: Int, queued: Int) {
        loop.assertInLoop()
        guard watch === remoteBacklog else { return }
        watch.acknowledge(through: mark, queued: queued)
    }

    func remoteBacklogChanged(_ watch: RemoteBacklogWatch, bytes: Int) {
        loop.assertInLoop()
        guard watch === remoteBacklog else { return }
        watch.reported = bytes
    }

    /// The stream's connection passed the session's cap and was closed on its loop.
    func remoteBacklogOverflowed(_ watch: RemoteBacklogWatch, bytes: Int) {
        loop.assertInLoop()
        guard watch === remoteBacklog, isOpen else { return }
        watch.reported = bytes
        overflowed()
    }
}

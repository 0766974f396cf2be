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

    /// What the attached stream on another loop last reported holding (0 when none is).
    var remoteBacklogBytes: Int {
        guard let watch = remoteBacklog else { return 0 }
        switch channel {
        case .webSocket(let transport) where transport.connection === watch.connection:
            return watch.reported
        case .eventStream(let writer) where writer.connection === watch.connection:
            return watch.reported
        default:
            return 0
        }
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

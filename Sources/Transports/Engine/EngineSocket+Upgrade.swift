import PushCore

/// The upgrade from an HTTP transport to WebSocket: the probe, its timer, and the switch.
extension EngineSocket {
    /// A WebSocket (already switched from HTTP) for this session: the probe of an upgrade, or
    /// closed at once when the session takes none (one WebSocket per session).
    func attachProbe(_ transport: WebSocketTransport) {
        loop.assertInLoop()
        guard session.beginProbe(now: loop.now) else {
            transport.closeSession(sendClosePacket: false)
            return
        }
        probe = transport
        syncUpgradeTimer()
    }

    func answerProbe(_ signal: EnginePauseSignal) {
        probe?.write([WebSocketTransport.frame(for: OutboundPacket(.pong(probe: true)))])
        switch (signal, channel) {
        case (.none, _):
            break
        case (.answerHeldPollWithNoop, .heldPoll(let held)):
            channel = .none
            answerPoll(held, .noop)
        case (.writeNoopEvent, .eventStream(let writer)):
            let noop = ByteChunk.copying(EngineCodec.sseEvent(.noop))
            writer.loop.run { writer.writeStream(noop) }
        default:
            assertionFailure("pause signal \(signal) does not match the attached transport")
        }
    }

    func completeUpgrade(_ old: EngineTransportRelease) {
        guard let probe else { return assertionFailure("upgrade without a probe") }
        release(old)
        channel = .webSocket(probe)
        watchBacklog(of: probe.connection)
        self.probe = nil
        syncUpgradeTimer()
        flush()
        server.application.engineSocketUpgraded(self)
    }

    /// Keeps the upgrade timer at the session's upgrade deadline (none when no upgrade runs).
    func syncUpgradeTimer() {
        guard let deadline = session.upgradeDeadline else {
            upgradeTimer?.cancel()
            upgradeTimer = nil
            return
        }
        if let timer = upgradeTimer, !timer.isDone, timer.deadline == deadline { return }
        upgradeTimer?.cancel()
        // Strong, like the heartbeat: cancelled when the upgrade ends or the session closes.
        upgradeTimer = loop.schedule(after: max(0, deadline - loop.now)) { [self] in
            self.upgradeTimer = nil
            let action = self.session.upgradeTimer(now: self.loop.now)
            if action == .closeProbe { Log.debug("session \(SessionID.redacted(self.id)): upgrade timed out; the probe is closed") }
            self.perform(action)
            self.syncUpgradeTimer()
        }
    }
}

/// The session's transport inputs: requests, stream events, packets up, the probe of an
/// upgrade, its timer and closes. Each takes what it needs (`now:` where a deadline is set or
/// checked) and returns the one action the transports carry out.
extension EngineSession {
    /// Packets per polling answer at most: python-engineio refuses longer payloads, and the rest
    /// goes out with the next poll.
    static let maxPacketsPerPoll = 16

    /// The session just opened: its open packet, as the answer to the handshake GET (polling
    /// transports) or as the first thing on the stream.
    public mutating func handshake() -> EngineTransportAction {
        let open = ArraySlice([OutboundPacket(openPacket())])
        if transport == .sse { numberOpenPacket() }
        return transport.isRequestResponse ? .answerRequest(.packets(open)) : .writeStream(open)
    }

    // MARK: Down

    /// Moves queued packets onto the transport if it can take them now: the stream, or the
    /// held GET. Call after queueing.
    public mutating func flush() -> EngineTransportAction {
        guard hasQueued else { return .none }
        switch transportState.downstream {
        case .webSocket:
            return .writeStream(takeQueued())
        case .eventStream(paused: false):
            let packets = takeQueued()
            recordStreamed(packets)
            return .writeStream(packets)
        case .longPolling(.held), .longPolling(.heldUntil):
            transportState.releasePoll()
            return .answerHeldPoll(takePollAnswer())
        case .eventStream(paused: true), .eventStreamDetached, .longPolling(.none), .polling, .closed:
            return .none
        }
    }

    /// What is queued, up to one polling answer, or a noop.
    private mutating func takePollAnswer() -> EnginePollAnswer {
        let packets = takeQueued(maxBytes: config.maxPayload, maxPackets: Self.maxPacketsPerPoll)
        return packets.isEmpty ? .noop : .packets(packets)
    }

    /// A GET with this session's id on `kind`.
    public mutating func poll(via kind: EngineTransportKind, now: Int64) -> EngineTransportAction {
        guard !isClosed else { return .rejectRequest(.unknownSid) }
        // After an upgrade (or on the wrong transport) HTTP requests are refused; the session
        // goes on over its current transport.
        guard kind == transport else { return .rejectRequest(.badRequest) }
        switch transportState.downstream {
        case .polling:
            return .answerRequest(takePollAnswer())
        case .longPolling(.none):
            if hasQueued { return .answerRequest(takePollAnswer()) }
            transportState.holdPoll(now: now)
            return .holdRequest
        case .longPolling(.held), .longPolling(.heldUntil):
            // Two GETs at once break ordering: the spec closes the session.
            return .rejectRequestAndClose(.badRequest, closePlan(.transportError, mode: .notify))
        case .webSocket, .eventStream, .eventStreamDetached, .closed:
            return .rejectRequest(.badRequest)
        }
    }

    /// Whether a POST on `kind` may go on: `.none` to decode its packets (then `receive` each),
    /// else the rejection.
    public mutating func post(via kind: EngineTransportKind) -> EngineTransportAction {
        guard !isClosed else { return .rejectRequest(.unknownSid) }
        guard kind == transport, kind != .websocket else { return .rejectRequest(.badRequest) }
        return .none
    }

    // MARK: Up

    /// A packet from the client on `kind`: the transport in use, or (`.websocket` while another
    /// transport is in use) the probe of an upgrade.
    /// Inlined where the transports read: a message on the transport in use is delivered.
    @inlinable
    public mutating func receive(_ packet: EnginePacket, via kind: EngineTransportKind) -> EngineTransportAction {
        if packet.type == .message && deliversMessage(via: kind) { return .deliverMessage }
        return receiveChecked(packet, via: kind)
    }

    /// Whether a message from the client on `kind` goes to the application as it is, with no
    /// change of state: what `receive` answers `.deliverMessage` to (the transport in use, the
    /// session open). A transport that lends a message's bytes asks first.
    @inlinable
    public func deliversMessage(via kind: EngineTransportKind) -> Bool {
        kind == transportState.transport && !transportState.isClosed
    }

    @usableFromInline
    mutating func receiveChecked(_ packet: EnginePacket, via kind: EngineTransportKind) -> EngineTransportAction {
        guard !isClosed else { return .none }
        guard kind == transport else { return receiveOnProbe(packet, via: kind) }
        switch packet.type {
        case .message:
            return .deliverMessage
        case .pong:
            pongReceived()
            return .rescheduleHeartbeat
        case .close:
            return .close(closePlan(.transportClose, mode: .clientRequested))
        case .ping, .noop:
            // Clients send neither outside an upgrade; tolerate them like the reference server.
            return .none
        case .open, .upgrade:
            return .close(closePlan(.parseError, mode: .silent))
        }
    }

    private mutating func receiveOnProbe(_ packet: EnginePacket, via kind: EngineTransportKind) -> EngineTransportAction {
        // A packet from a probe that already ended (or never was): nothing to do with it.
        guard kind == .websocket, let deadline = transportState.probe.deadline else { return .none }
        switch packet.type {
        case .ping where packet.isProbe:
            return .answerProbe(transportState.pauseForProbe(deadline: deadline))
        case .upgrade:
            return .completeUpgrade(transportState.completeUpgrade())
        case .close:
            return .close(closePlan(.transportClose, mode: .clientRequested))
        case .pong, .noop:
            return .none
        default:
            // A bad packet on the probe ends the probe, not the session.
            transportState.endProbe()
            return .closeProbe
        }
    }

    // MARK: Upgrade

    /// A WebSocket for this session arrived: it becomes the probe, with the upgrade timing out
    /// at `now + upgradeTimeout`. False when not allowed (closed, already on WebSocket, a probe
    /// open, upgrades off): the transports close that WebSocket.
    public mutating func beginProbe(now: Int64) -> Bool {
        guard !isClosed, config.allowUpgrades, transportState.probe == .none, transport != .websocket else { return false }
        transportState.probe = .opened(deadline: now + config.upgradeTimeout)
        return true
    }

    /// The probe WebSocket closed before the upgrade completed: the session carries on over its
    /// transport (flush what waits there).
    public mutating func probeEnded() {
        guard !isClosed, transportState.probe != .none else { return }
        transportState.endProbe()
    }

    /// When `upgradeTimer` should next run; nil when no upgrade is in progress.
    public var upgradeDeadline: Int64? {
        guard !isClosed, let deadline = transportState.upgradeDeadline else { return nil }
        return min(deadline, probeDeadline ?? .max)
    }

    /// When the probe is closed if "5" has not come: after upgradeTimeout, or, while an event
    /// stream is paused, half a pingTimeout after a ping is (or falls) due, so that the ping
    /// still reaches the client over the resumed stream in time.
    private var probeDeadline: Int64? {
        guard let deadline = transportState.probe.deadline else { return nil }
        guard case .eventStream(paused: true) = transportState.downstream else { return deadline }
        return min(deadline, pingDueAt + config.pingTimeout / 2)
    }

    /// The upgrade timer: closes a probe past its deadline, or answers a poll held during the
    /// upgrade with a noop once its cycle is up.
    public mutating func upgradeTimer(now: Int64) -> EngineTransportAction {
        guard !isClosed, let deadline = probeDeadline else { return .none }
        if now >= deadline {
            transportState.endProbe()
            return .closeProbe
        }
        if case .longPolling(.heldUntil(let due)) = transportState.downstream, now >= due {
            transportState.releasePoll()
            return .answerHeldPoll(takePollAnswer())
        }
        return .none
    }

    // MARK: Closing

    /// Closes the session (`.none` if it already is).
    public mutating func close(_ reason: EngineCloseReason, mode: EngineCloseMode) -> EngineTransportAction {
        guard !isClosed else { return .none }
        return .close(closePlan(reason, mode: mode))
    }

    /// The event stream's connection dropped. Outside an upgrade the session waits up to
    /// pingTimeout for the browser's EventSource to come back and resume it (`resumeEventStream`);
    /// otherwise it closes as `transportClosed` does.
    public mutating func eventStreamDropped(now: Int64) -> EngineTransportAction {
        guard !isClosed, case .eventStream = transportState.downstream, transportState.probe == .none else {
            return transportClosed()
        }
        transportState.downstream = .eventStreamDetached
        detachedUntil = now + config.pingTimeout
        return .none
    }

    /// The browser's EventSource came back with `Last-Event-ID` naming `sequence`: the packets
    /// written after it go again, first, then what queued meanwhile. False when the session is
    /// not waiting for its stream or no longer holds everything after `sequence`.
    public mutating func resumeEventStream(after sequence: UInt64) -> Bool {
        guard !isClosed, transportState.downstream == .eventStreamDetached,
              let resent = takeStreamed(after: sequence) else { return false }
        requeueFirst(resent)
        transportState.downstream = .eventStream(paused: false)
        detachedUntil = .max
        return true
    }

    /// The transport in use went away under the session (the held GET's or the event stream's
    /// client gave up, the WebSocket closed): close silently, with nothing left to release.
    public mutating func transportClosed() -> EngineTransportAction {
        guard !isClosed else { return .none }
        return .close(closePlan(.transportClose, mode: .silent, transportGone: true))
    }

    private mutating func closePlan(_ reason: EngineCloseReason, mode: EngineCloseMode, transportGone: Bool = false) -> EngineClosePlan {
        let plan = transportState.close(reason, mode: mode, transportGone: transportGone)
        dropQueue()
        return plan
    }
}

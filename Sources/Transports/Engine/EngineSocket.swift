import PushCore
import Synchronization

/// What the handshake request told about a client (kept as long as the session).
public typealias EngineRequestInfo = HandshakeRequest

/// A live engine session on its home loop: carries out what the `EngineSession` state machine
/// decides, over whichever transport is attached. Confined to `loop`; requests and frames that
/// arrive on other loops hop here first.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
/// It is its own heartbeat timer (`TimerEntry`): every session waits on one deadline at a time
/// for its whole life, and a `Timer` of its own was an object of 64 bytes more per session.
public final class EngineSocket: TimerEntry, SlotListed, @unchecked Sendable {
    /// The handle packets go down through now; which one is the session state's business
    /// (`session.transportState`), this only holds what it names.
    enum Channel {
        case webSocket(WebSocketTransport)
        case eventStream(HTTPResponseWriter)
        /// The long-polling GET held for the next packets.
        case heldPoll(EngineResponder)
        /// Nothing attached (polling between requests, or closed).
        case none

        /// Whether this is `transport`: compared in place, without taking a reference.
        func isWebSocket(_ transport: WebSocketTransport) -> Bool {
            if case .webSocket(let attached) = self { return attached === transport }
            return false
        }
    }

    /// Whether `transport` is the attached WebSocket, a check every incoming frame makes: on
    /// this loop through the connection kept beside the other per-message fields (each
    /// WebSocket has a connection of its own), so the channel's line is not loaded.
    @inline(__always)
    func isAttached(_ transport: WebSocketTransport) -> Bool {
        if let connection = sameLoopWebSocket { return connection.toOpaque() == Unmanaged.passUnretained(transport.connection).toOpaque() }
        return isAttachedElsewhere(transport)
    }

    @inline(never)
    private func isAttachedElsewhere(_ transport: WebSocketTransport) -> Bool { channel.isWebSocket(transport) }

    // What a packet going down reads comes first, next to the object's header, with the
    // server every message coming up reads: a broadcast reaches thousands of sockets that are
    // no longer in the cache, and each line it touches is a miss.
    public let loop: EventLoop
    /// The server that opened it. Strong, like `loop`: the engine server outlives its
    /// sessions, and unowned would cost an atomic check per message.
    public let server: EngineServer
    /// The attached WebSocket's connection when it is on this loop: a packet going down
    /// reaches it without loading the channel's transport first (a cache miss per
    /// recipient of a broadcast to many). Follows `channel`. Unretained, so a packet costs no
    /// reference count: the channel's transport holds it, and a connection that closes while
    /// written to lives on to the end of its loop's iteration (`EventLoop.retire`).
    @exclusivity(unchecked) private var sameLoopWebSocket: Unmanaged<Connection>?
    /// What few sessions use (an upgrade, POSTs read at the rate's pace, the demo's delay);
    /// see EngineSocketExtras.
    @exclusivity(unchecked) var extrasIfAny: EngineSocketExtras?
    /// Counted for every message; `stats` reports them with the HTTP counters.
    @exclusivity(unchecked) var traffic = TrafficCounters()
    /// The session's state, kept inline: one object less to reach per packet.
    @exclusivity(unchecked) var session: EngineSession
    // What a packet going down does not read.
    @exclusivity(unchecked) var channel: Channel = .none {
        didSet {
            if case .webSocket(let transport) = channel, transport.connection.loop === loop {
                sameLoopWebSocket = .passUnretained(transport.connection)
            } else {
                sameLoopWebSocket = nil
            }
        }
    }
    public let request: EngineRequestInfo
    /// Counted per HTTP head, request and response.
    @exclusivity(unchecked) var http = HTTPCounters()
    /// Slot for the layer above (the Socket.IO connection state).
    @exclusivity(unchecked) public var context: AnyObject?
    /// This socket's place in its loop's list of sessions (`EngineServer.sessionsByLoop`); -1
    /// when not listed.
    @exclusivity(unchecked) var listSlot = -1

    /// The session's wire counters.
    public var stats: SessionCounters { SessionCounters(traffic: traffic, http: http) }

    /// The session id (the session's own string: one copy per session).
    public var id: String { session.id }

    init(id: String, loop: EventLoop, request: EngineRequestInfo, transport: EngineTransportKind,
         server: EngineServer, corsHeaders: [(String, String)]) {
        self.loop = loop
        self.request = request
        self.server = server
        self.session = EngineSession(id: id, transport: transport, settings: server.sessionSettings, now: loop.now)
        super.init()
        if !corsHeaders.isEmpty { self.corsHeaders = corsHeaders }
    }

    /// The transport packets go down on now.
    public var transport: EngineTransportKind { session.transport }
    public var isOpen: Bool { !session.isClosed }

    // MARK: Sending

    /// Queues a packet for the client.
    public func send(_ packet: EnginePacket, volatile: Bool = false) {
        loop.assertInLoop()
        // A packet for this socket alone needs no shared wrapper when it can go out now: its
        // frame is written straight to the connection.
        guard let direct = directWebSocket else {
            send(OutboundPacket(packet, isVolatile: volatile))
            return
        }
        // The policy asked outside the closures that write: nested, they were compiled into a
        // function of their own, whose set-up cost a tenth of a message.
        let outcome = session.admit(cost: OutboundPacket.queueCost(of: packet), isVolatile: volatile,
                                    transportBacklog: direct._withUnsafeGuaranteedRef { $0.queuedBytes })
        carryOut(outcome) { direct._withUnsafeGuaranteedRef { wroteFrame(of: WebSocketTransport.writeFrame(of: packet, to: $0)) } }
    }

    /// Queues a shared packet (a broadcast hands the same one to every socket on this loop).
    public func send(_ packet: OutboundPacket) {
        loop.assertInLoop()
        guard let direct = directWebSocket else {
            carryOut(session.enqueue(packet, transportBacklog: backlog)) { flush() }
            return
        }
        carryOut(session.admit(packet, transportBacklog: direct._withUnsafeGuaranteedRef { $0.queuedBytes })) {
            let frame = WebSocketTransport.frame(for: packet)
            let count = frame.count
            direct._withUnsafeGuaranteedRef { $0.write(frame) }
            wroteFrame(of: count)
        }
    }

    /// The common case: a WebSocket on this loop with nothing waiting takes a frame now.
    @inline(__always)
    var directWebSocket: Unmanaged<Connection>? {
        guard let connection = sameLoopWebSocket, !session.hasQueued, !isDelaying else { return nil }
        return connection
    }

    /// Carries out the queue policy's answer; `queued` runs when the packet may go.
    @inline(__always)
    func carryOut(_ outcome: EnqueueOutcome, queued: () -> Void) {
        switch outcome {
        case .queued:
            queued()
        case .overflow:
            overflowed()
        case .droppedVolatile:
            loop.metrics.counters.dropped.volatile += 1
        case .closed:
            break
        }
    }

    /// Counts bytes that came up from the client: frames with their headers, POST bodies.
    @inline(__always)
    func countBytesIn(_ bytes: Int) {
        traffic.bytesIn += bytes
        loop.metrics.counters.bytesReceived += bytes
    }

    /// Counts a message handed to the application.
    @inline(__always)
    func countMessageIn(on kind: EngineTransportKind) {
        traffic.messagesIn += 1
        loop.metrics.counters.messagesReceived[kind] += 1
    }

    /// Counts a frame written straight to the WebSocket.
    @inline(__always)
    func wroteFrame(of bytes: Int) {
        traffic.bytesOut += bytes
        traffic.messagesOut += 1
        loop.metrics.counters.bytesSent += bytes
        loop.metrics.counters.messagesSent.websocket += 1
    }

    func overflowed() {
        loop.metrics.counters.dropped.slowConsumer += 1
        Log.warning("session \(SessionID.redacted(id)): closed as a slow consumer (over \(server.configuration.session.maxQueueBytes) bytes queued)")
        perform(session.close(.slowConsumer, mode: .abort))
    }

    /// Ends the session from the server side.
    public func close() {
        loop.assertInLoop()
        perform(session.close(.forcedServerClose, mode: .notify))
    }

    /// Bytes the attached transport holds unsent: read for a stream on this loop, as last
    /// reported for one on another.
    private var backlog: Int {
        switch channel {
        case .webSocket(let transport) where transport.connection.loop === loop:
            return transport.connection.queuedBytes
        case .eventStream(let writer) where writer.loop === loop:
            return writer.connection.queuedBytes
        default:
            return remoteBacklogBytes
        }
    }

    // MARK: The node's client memory budget

    /// Bytes held for this client: its queue (at memory cost), its stream's unsent bytes, a
    /// partial WebSocket message, a POST body read at the rate's pace, partial packets above.
    var heldBytes: Int {
        var held = session.queuedBytes + postBacklogBytes + server.application.engineSocketHeldBytes(self)
        switch channel {
        case .webSocket(let transport) where transport.connection.loop === loop:
            held += transport.heldBytes
        case .eventStream(let writer) where writer.loop === loop:
            held += writer.connection.queuedBytes
        default:
            held += remoteBacklogBytes
        }
        if let probe, probe.connection.loop === loop { held += probe.heldBytes }
        return held
    }

    /// Closes the session to bring the node back under its client memory budget.
    func evictForMemoryBudget(held: Int, limit: Int) {
        loop.assertInLoop()
        guard isOpen else { return }
        loop.metrics.counters.dropped.memoryBudget += 1
        Log.warning("session \(id): closed to keep memory held for clients under \(limit) bytes (--max-client-memory); it held \(held) bytes, the most")
        perform(session.close(.slowConsumer, mode: .abort))
    }

    /// Moves queued packets onto the transport, if it can take them now.
    func flush() {
        guard session.hasQueued else { return }
        perform(session.flush())
    }

    // MARK: Carrying out the session's actions

    /// Carries out an action that concerns no request (those are the caller's, which holds it).
    func perform(_ action: EngineTransportAction) {
        switch action {
        case .none:
            break
        case .deliverMessage:
            assertionFailure("a message is delivered by receive, which holds it")
        case .rescheduleHeartbeat:
            scheduleHeartbeat()
        case .writeStream(let packets):
            write(packets)
        case .answerHeldPoll(let answer):
            guard case .heldPoll(let held) = channel else { return assertionFailure("no held poll to answer") }
            channel = .none
            answerPoll(held, answer)
        case .answerProbe(let signal):
            answerProbe(signal)
        case .completeUpgrade(let release):
            completeUpgrade(release)
        case .closeProbe:
            probe?.closeSession(sendClosePacket: false)
            probe = nil
            syncUpgradeTimer()
            flush()
        case .close(let plan):
            finishClose(plan)
        case .answerRequest, .holdRequest, .rejectRequest, .rejectRequestAndClose:
            assertionFailure("a request's action without its request: \(action)")
        }
    }

    /// Lets go of the transport in use as the session says (an upgrade or a close).
    func release(_ release: EngineTransportRelease) {
        let current = channel
        channel = .none
        switch (release, current) {
        case (.none, _):
            break
        case (.answerHeldPollWithNoop, .heldPoll(let held)):
            answerPoll(held, .noop)
        case (.answerHeldPollWithClose, .heldPoll(let held)):
            answerPoll(held, .close)
        case (.endEventStream(let sendClosePacket), .eventStream(let writer)):
            let last = sendClosePacket ? ByteChunk.copying(EngineCodec.sseEvent(.close)) : nil
            writer.loop.run {
                if let last { writer.writeStream(last) }
                writer.endStream()
            }
        case (.abortEventStream, .eventStream(let writer)):
            writer.loop.run { writer.connection.close() }
        case (.closeWebSocket(let sendClosePacket), .webSocket(let transport)):
            transport.closeSession(sendClosePacket: sendClosePacket)
        case (.abortWebSocket, .webSocket(let transport)):
            transport.abort()
        default:
            assertionFailure("release \(release) does not match the attached transport")
        }
    }

    /// A WebSocket attached to this session closed.
    func webSocketClosed(_ transport: WebSocketTransport) {
        loop.assertInLoop()
        if probe === transport {
            probe = nil
            session.probeEnded()
            syncUpgradeTimer()
            flush()
        } else if isAttached(transport) {
            channel = .none
            perform(session.transportClosed())
        }
    }

    // MARK: Lifecycle

    /// Closes the session if its heartbeat deadline passed; true if it is (now) closed.
    func closeIfExpired() -> Bool {
        // The time first: a call made while the session is read would have it copied.
        let now = loop.refreshNow()
        if session.isExpired(now: now) { perform(session.close(.pingTimeout, mode: .silent)) }
        return !isOpen
    }

    /// Starts the heartbeat and tells the application.
    func opened() {
        loop.metrics.counters.connections[session.transport] += 1
        scheduleHeartbeat()
        server.application.engineSocketOpened(self)
    }

    /// Puts the socket on its loop's wheel at the session's next deadline. The wheel holds it
    /// (strongly, as a timer's closure held it before) until the heartbeat fires or the session
    /// closes, which takes it off.
    func scheduleHeartbeat() {
        // A closed session has no heartbeat: re-arming one would keep it on the wheel for good.
        guard isOpen else { return loop.cancel(self) }
        loop.schedule(self, at: max(loop.now, session.nextDeadline))
    }

    /// The heartbeat: a ping due, a pong overdue, or neither yet (the deadline moved).
    override func timerFired() {
        switch session.heartbeat(now: loop.now) {
        case .pingQueued: flush()
        case .timeout:
            perform(session.close(.pingTimeout, mode: .silent))
            return
        case .none: break
        }
        scheduleHeartbeat()
    }

    /// A packet from the client on `kind` (the active transport or the probe).
    func receive(_ packet: EnginePacket, via kind: EngineTransportKind) {
        let action = session.receive(packet, via: kind)
        switch action {
        case .deliverMessage:
            countMessageIn(on: session.transport)
            server.deliver(packet, from: self)
            return
        case .closeProbe:
            Log.debug("session \(SessionID.redacted(id)): unexpected \(packet.type) packet on the probe; dropping the upgrade")
        case .close(let plan) where plan.reason == .parseError:
            Log.debug("session \(SessionID.redacted(id)): unexpected \(packet.type) packet")
        default:
            break
        }
        perform(action)
    }

    /// Ends the session: releases the transport as the plan says, forgets the session, tells
    /// the application.
    private func finishClose(_ plan: EngineClosePlan) {
        // Callers up the stack may hold this socket without a reference of their own.
        loop.retire(self)
        flushDelayedWrites()
        loop.cancel(self)
        upgradeTimer?.cancel()
        upgradeTimer = nil
        server.forget(self)
        loop.metrics.counters.connections[session.transport] -= 1
        release(plan.release)
        // The watch holds this socket: let go of it, and of what it last reported.
        remoteBacklog = nil
        if plan.closesProbe { probe?.closeSession(sendClosePacket: false) }
        probe = nil
        Log.debug("session \(SessionID.redacted(id)) closed: \(plan.reason)")
        server.application.engineSocketClosed(self, reason: plan.reason)
    }
}

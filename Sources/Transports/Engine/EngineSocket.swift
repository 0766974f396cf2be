import PushCore
import Synchronization

/// What the handshake request told about a client (kept as long as the session).
public typealias EngineRequestInfo = HandshakeRequest

/// A live engine session on its home loop: carries out what the `EngineSession` state machine
/// decides, over whichever transport is attached. Confined to `loop`; requests and frames that
/// arrive on other loops hop here first.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
public final class EngineSocket: SlotListed, @unchecked Sendable {
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
    @exclusivity(unchecked) private var heartbeat: Timer?
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

    /// Counts queued packets handed to a stream (a WebSocket or an event stream).
    private func countStreamWrite(bytes: Int, messages: Int, on kind: EngineTransportKind) {
        traffic.bytesOut += bytes
        traffic.messagesOut += messages
        loop.metrics.counters.bytesSent += bytes
        loop.metrics.counters.messagesSent[kind] += messages
    }

    /// The event a packet makes on any stream, made once and kept with the packet (a
    /// broadcast shares it between every stream on this loop).
    private static func sseEvent(for packet: OutboundPacket) -> ByteChunk {
        if let event = packet.sseEvent { return event }
        let event = ByteChunk.copying(EngineCodec.sseEvent(packet.packet))
        packet.sseEvent = event
        return event
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

    /// Writes packets on the stream in use.
    private func write(_ packets: ArraySlice<OutboundPacket>) {
        switch channel {
        case .webSocket(let transport):
            // On this loop the frames go to the connection as they are made: no array of them,
            // and no closure to carry it.
            let now = !isDelaying && transport.connection.loop === loop
            var frames: [ByteChunk] = []
            if !now { frames.reserveCapacity(packets.count) }
            var bytes = 0
            for packet in packets {
                let frame = WebSocketTransport.frame(for: packet)
                bytes += frame.count
                if now { transport.connection.write(frame) } else { frames.append(frame) }
            }
            countStreamWrite(bytes: bytes, messages: packets.count, on: .websocket)
            if now {
                handedOff(bytes, to: transport.connection)
            } else {
                let ready = frames
                let write = { [self] in
                    transport.write(ready)
                    handedOff(bytes, to: transport.connection)
                }
                if isDelaying { afterSimulatedDelay(write) } else { write() }
            }
        case .eventStream(let writer):
            // The session numbered these packets as it took them: the last is streamSequence.
            let first = session.streamSequence - UInt64(packets.count) + 1
            // On this loop each event goes to the stream as it is made, its id line written in
            // place: no array of chunks, and no closure to carry it.
            let now = !isDelaying && writer.loop === loop
            var events: [ByteChunk] = []
            if !now { events.reserveCapacity(packets.count * 2) }
            var bytes = 0
            for (offset, packet) in packets.enumerated() {
                let sequence = first + UInt64(offset)
                let event = Self.sseEvent(for: packet)
                if now {
                    let idCount = EngineCodec.sseIDLineCount(sid: id, sequence: sequence)
                    writer.writeStream(count: idCount) { EngineCodec.writeSSEIDLine(sid: id, sequence: sequence, into: $0) }
                    writer.writeStream(event)
                    bytes += idCount + event.count
                } else {
                    // This session's id line beside the shared event bytes (one gathered write).
                    let idLine = ByteChunk.copying(EngineCodec.sseIDLine(sid: id, sequence: sequence))
                    events.append(idLine)
                    events.append(event)
                    bytes += idLine.count + event.count
                }
            }
            countStreamWrite(bytes: bytes, messages: packets.count, on: .sse)
            if now {
                handedOff(bytes, to: writer.connection)
            } else {
                let ready = events
                let stream = { [self] in
                    writer.loop.run { for event in ready { writer.writeStream(event) } }
                    handedOff(bytes, to: writer.connection)
                }
                if isDelaying { afterSimulatedDelay(stream) } else { stream() }
            }
        case .heldPoll, .none:
            assertionFailure("no stream to write on")
        }
    }

    /// Answers a GET with packets (one polling payload), a noop or a close packet.
    func answerPoll(_ writer: EngineResponder, _ answer: EnginePollAnswer) {
        // Built in the loop's spare array and given back: the writer copies a small body
        // into the response (one that keeps it, or a large one, leaves the loop a fresh one).
        var body = loop.takeSpareBytes()
        switch answer {
        case .packets(let packets):
            EngineCodec.appendPayload(packets, into: &body)
            traffic.messagesOut += packets.count
            loop.metrics.counters.messagesSent[session.transport] += packets.count
        case .noop:
            body.append(EnginePacketType.noop.wireDigit)
        case .close:
            body.append(EnginePacketType.close.wireDigit)
        }
        traffic.bytesOut += body.count
        loop.metrics.counters.bytesSent += body.count
        respond(writer, status: 200, body: body)
        loop.recycle(body)
    }

    func respond(_ writer: EngineResponder, status: Int, body: [UInt8], contentType: String = EngineSocket.textPlain) {
        let headers = corsAnswerHeaders(for: contentType) ?? Self.answerHeaders(for: contentType)
        // The usual answer, on the writer's loop and undelayed, allocates no closure.
        if !isDelaying && writer.loop.inEventLoop {
            writeResponse(writer, status: status, headers: headers, body: body)
            return
        }
        let answer: @Sendable () -> Void = { [self, headers] in writeResponse(writer, status: status, headers: headers, body: body) }
        if isDelaying {
            afterSimulatedDelay { writer.loop.run(answer) }
        } else {
            writer.loop.execute(answer)
        }
    }

    private func writeResponse(_ writer: EngineResponder, status: Int, headers: PreparedHeaders, body: [UInt8]) {
        let before = writer.headBytesWritten
        writer.respond(status: status, headers: headers, body: body)
        countResponse(head: writer.headBytesWritten - before, body: body.count)
    }

    static let textPlain = "text/plain; charset=UTF-8"
    /// What a POST's "ok" goes as, the reference server's type for it.
    static let textHTML = "text/html"
    private static let textPlainHeaders = PreparedHeaders(answerFields(of: textPlain))
    private static let textHTMLHeaders = PreparedHeaders(answerFields(of: textHTML))

    /// An answer's fields: prepared once for the two types every session answers with.
    private static func answerHeaders(for contentType: String) -> PreparedHeaders {
        switch contentType {
        case textPlain: textPlainHeaders
        case textHTML: textHTMLHeaders
        default: PreparedHeaders(answerFields(of: contentType))
        }
    }

    static func answerFields(of contentType: String) -> [(String, String)] {
        [("Content-Type", contentType), ("Cache-Control", "no-store")]
    }

    /// Lets go of the transport in use as the session says (an upgrade or a close).
    private func release(_ release: EngineTransportRelease) {
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

    // MARK: Upgrade

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

    private func answerProbe(_ signal: EnginePauseSignal) {
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

    private func completeUpgrade(_ old: EngineTransportRelease) {
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

    /// The event stream's client went away (only while it is still this session's transport,
    /// not after an upgrade).
    func eventStreamAborted(_ writer: HTTPResponseWriter) {
        loop.assertInLoop()
        guard case .eventStream(let current) = channel, current === writer else { return }
        channel = .none
        perform(session.eventStreamDropped(now: loop.now))
        if isOpen {
            Log.debug("session \(id): event stream dropped; waiting for EventSource to resume it")
            scheduleHeartbeat()
        }
    }

    /// The browser's EventSource reopened the stream with `Last-Event-ID`: attach it and send
    /// what came after `sequence`; a 400 when this session cannot resume from there.
    func resumeEventStream(_ writer: HTTPResponseWriter, after sequence: UInt64) {
        loop.assertInLoop()
        http.requests += 1
        guard !closeIfExpired(), session.resumeEventStream(after: sequence) else {
            respondError(writer, .unknownSid)
            return
        }
        let headers = EngineServer.eventStreamHeaders + corsHeaders
        writer.loop.run { [self] in
            writer.beginStream(status: 200, headers: headers)
            countStreamHead(writer.headBytesWritten)
            var prelude: [UInt8] = []
            EngineCodec.appendSSEPrelude(into: &prelude, retryMilliseconds: EngineServer.eventStreamRetry)
            writer.writeStream(ByteChunk.copying(prelude))
            // Set on the writer's loop, which owns it; dropped once the stream ends.
            writer.onAbort = { [self] in loop.run { self.eventStreamAborted(writer) } }
        }
        channel = .eventStream(writer)
        watchBacklog(of: writer.connection)
        Log.debug("session \(id): event stream resumed after \(sequence)")
        scheduleHeartbeat()
        flush()
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

    func scheduleHeartbeat() {
        heartbeat?.cancel()
        // A closed session has no heartbeat: re-arming one would keep it (and a timer) for good.
        guard isOpen else { heartbeat = nil; return }
        let delay = max(0, session.nextDeadline - loop.now)
        // A strong capture: the timer keeps the session alive until it is closed, and close()
        // cancels it. (A weak reference would give every socket a side table, and every retain
        // of it the slow path.)
        heartbeat = loop.schedule(after: delay) { [self] in
            switch self.session.heartbeat(now: self.loop.now) {
            case .pingQueued: self.flush()
            case .timeout:
                self.perform(self.session.close(.pingTimeout, mode: .silent))
                return
            case .none: break
            }
            self.scheduleHeartbeat()
        }
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
        heartbeat?.cancel()
        heartbeat = nil
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

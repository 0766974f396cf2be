import PushCore

/// What the handshake request told about a client.
/// Kept as long as the session, so it holds the head's bytes compactly and decodes on demand.
public struct EngineRequestInfo: Sendable {
    public let headers: HTTPHeaders
    public let remoteAddress: String
    /// Milliseconds since 1970 when the session opened.
    public let issuedAt: Int64
    /// The request target as sent.
    public let url: String

    public init(headers: HTTPHeaders, remoteAddress: String, issuedAt: Int64, url: String) {
        self.headers = headers.compacted()
        self.remoteAddress = remoteAddress
        self.issuedAt = issuedAt
        self.url = url
    }

    /// Decoded query parameters of the handshake request (it was checked when the session opened).
    public var query: [(String, String)] {
        guard let mark = url.utf8.firstIndex(of: UInt8(ascii: "?")) else { return [] }
        return QueryString.parse(String(url[url.utf8.index(after: mark)...])) ?? []
    }
}

/// A live engine session on its home loop: carries out what the `EngineSession` state machine
/// decides, over whichever transport is attached. Confined to `loop`; requests and frames that
/// arrive on other loops hop here first.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
public final class EngineSocket: @unchecked Sendable {
    /// How the current downstream transport delivers packets.
    enum Downstream {
        case webSocket(WebSocketTransport)
        /// A held GET, if any.
        case longPolling(EngineResponder?)
        case polling
        case sse(HTTPResponseWriter)
        case none
    }

    /// How a close reaches the client.
    enum CloseMode {
        /// The server ends the session: a close packet goes down first.
        case notify
        /// The client asked: a held poll ends with a noop.
        case clientRequested
        /// The transport is gone or timed out: nothing to send.
        case silent
        /// The client is not reading (a slow consumer): drop what is queued and cut the
        /// connection now instead of waiting for a flush that will not come.
        case abort
    }

    public let id: String
    public let loop: EventLoop
    public let request: EngineRequestInfo
    let session: EngineSession
    unowned let server: EngineServer
    @exclusivity(unchecked) var downstream: Downstream
    @exclusivity(unchecked) var probe: WebSocketTransport?
    @exclusivity(unchecked) private var heartbeat: Timer?
    /// CORS headers for responses to this client.
    let corsHeaders: [(String, String)]
    @exclusivity(unchecked) public internal(set) var stats = SessionCounters()
    /// Slot for the layer above (the Socket.IO connection state).
    @exclusivity(unchecked) public var context: AnyObject?
    /// The message rate limit for packets that come up by POST.
    @exclusivity(unchecked) var postLimiter: RateLimiter

    init(id: String, loop: EventLoop, request: EngineRequestInfo, transport: EngineTransportKind,
         server: EngineServer, corsHeaders: [(String, String)]) {
        self.id = id
        self.loop = loop
        self.request = request
        self.server = server
        self.corsHeaders = corsHeaders
        self.session = EngineSession(id: id, transport: transport, config: server.configuration.session, now: loop.now)
        self.downstream = .none
        let rate = server.configuration.session.maxMessagesPerSecond
        self.postLimiter = RateLimiter(rate: rate, burst: rate * 2, now: loop.now)
    }

    /// The transport packets go down on now.
    public var transport: EngineTransportKind { session.transport }
    public var isOpen: Bool { !session.isClosed }

    // MARK: Sending

    /// Queues a packet for the client.
    public func send(_ packet: EnginePacket, volatile: Bool = false) {
        send(OutboundPacket(packet, isVolatile: volatile))
    }

    /// Queues a shared packet (a broadcast hands the same one to every socket on this loop).
    public func send(_ packet: OutboundPacket) {
        // The common case: a WebSocket on this loop with nothing waiting takes the frame now.
        if case .webSocket(let transport) = downstream, !session.hasQueued, session.probing == nil,
           transport.connection.loop === loop {
            switch session.admit(packet, transportBacklog: transport.connection.queuedBytes) {
            case .queued:
                let frame = WebSocketTransport.frame(for: packet)
                stats.bytesOut += frame.count
                stats.messagesOut += 1
                transport.connection.write(frame)
            case .overflow:
                overflowed()
            case .droppedVolatile, .closed:
                break
            }
            return
        }
        switch session.enqueue(packet, transportBacklog: backlog) {
        case .queued:
            flush()
        case .overflow:
            overflowed()
        case .droppedVolatile, .closed:
            break
        }
    }

    private func overflowed() {
        Log.warning("session \(id): closed as a slow consumer (over \(server.configuration.session.maxQueueBytes) bytes queued)")
        close(reason: "slow consumer", mode: .abort)
    }

    /// Ends the session from the server side.
    public func close() {
        close(reason: "forced server close", mode: .notify)
    }

    /// Bytes the attached transport holds unsent (only known for a stream on this loop).
    private var backlog: Int {
        switch downstream {
        case .webSocket(let transport) where transport.connection.loop === loop:
            return transport.connection.queuedBytes
        case .sse(let writer) where writer.loop === loop:
            return writer.connection.queuedBytes
        default:
            return 0
        }
    }

    /// Moves queued packets onto the transport, if it can take them now.
    func flush() {
        // While a WebSocket is probed the old (HTTP) transport holds still, so nothing is lost or
        // reordered across the switch.
        guard session.hasQueued, session.probing == nil else { return }
        switch downstream {
        case .webSocket(let transport):
            let packets = session.takeQueued()
            var frames: [ByteChunk] = []
            frames.reserveCapacity(packets.count)
            for packet in packets {
                let frame = WebSocketTransport.frame(for: packet)
                stats.bytesOut += frame.count
                frames.append(frame)
            }
            stats.messagesOut += packets.count
            transport.write(frames)
        case .sse(let writer):
            let packets = session.takeQueued()
            var events: [ByteChunk] = []
            for packet in packets {
                let event = packet.sseEvent ?? ByteChunk(EngineCodec.sseEvent(packet.packet))
                packet.sseEvent = event
                stats.bytesOut += event.count
                events.append(event)
            }
            stats.messagesOut += packets.count
            let ready = events
            on(writer.loop) { for event in ready { writer.writeStream(event) } }
        case .longPolling(let pending?):
            downstream = .longPolling(nil)
            answerPoll(pending)
        case .longPolling(nil), .polling, .none:
            break
        }
    }

    /// Answers a GET with what is queued (up to maxPayload) or a noop.
    func answerPoll(_ writer: EngineResponder) {
        var body: [UInt8] = []
        // At most 16 packets per response: python-engineio refuses longer payloads, and the
        // rest goes out with the next poll.
        let packets = session.takeQueued(maxBytes: server.configuration.session.maxPayload, maxPackets: 16)
        if packets.isEmpty {
            body = [EnginePacketType.noop.wireDigit]
        } else {
            EngineCodec.appendPayload(packets.lazy.map(\.packet), into: &body)
            stats.messagesOut += packets.count
        }
        stats.bytesOut += body.count
        respond(writer, status: 200, body: body)
    }

    func respond(_ writer: EngineResponder, status: Int, body: [UInt8], contentType: String = "text/plain; charset=UTF-8") {
        let headers = [("Content-Type", contentType), ("Cache-Control", "no-store")] + corsHeaders
        on(writer.loop) { writer.respond(status: status, headers: headers, body: body) }
    }

    /// Runs `body` on `target`: now when that is this thread's loop, else through its queue.
    func on(_ target: EventLoop, _ body: @escaping @Sendable () -> Void) {
        if target.inEventLoop { body() } else { target.execute(body) }
    }

    // MARK: Lifecycle

    /// Closes the session if its heartbeat deadline passed; true if it is (now) closed.
    func closeIfExpired() -> Bool {
        if session.isExpired(now: loop.refreshNow()) { close(reason: "ping timeout", mode: .silent) }
        return !isOpen
    }

    /// Starts the heartbeat and tells the application.
    func opened() {
        scheduleHeartbeat()
        server.application.engineSocketOpened(self)
    }

    private func scheduleHeartbeat() {
        heartbeat?.cancel()
        let delay = max(0, session.nextDeadline - loop.now)
        // A strong capture: the timer keeps the session alive until it is closed, and close()
        // cancels it. (A weak reference would give every socket a side table, and every retain
        // of it the slow path.)
        heartbeat = loop.schedule(after: delay) { [self] in
            switch self.session.heartbeat(now: self.loop.now) {
            case .pingQueued: self.flush()
            case .timeout:
                self.close(reason: "ping timeout", mode: .silent)
                return
            case .none: break
            }
            self.scheduleHeartbeat()
        }
    }

    /// A packet from the client on `kind` (the active transport or the probe).
    func receive(_ packet: EnginePacket, via kind: EngineTransportKind) {
        switch session.receive(packet, via: kind) {
        case .none:
            if packet.type == .pong { scheduleHeartbeat() }
        case .message(let message):
            stats.messagesIn += 1
            server.application.engineSocket(self, didReceive: message)
        case .answerProbe:
            probe?.write([WebSocketTransport.frame(for: OutboundPacket(.pong(probe: true)))])
            pauseForUpgrade()
        case .upgraded:
            completeUpgrade()
        case .close(let reason):
            close(reason: reason, mode: .clientRequested)
        case .invalid(let reason) where kind != transport && kind == session.probing:
            // A bad packet on the probe ends the probe, not the session.
            Log.debug("session \(id): \(reason); dropping the upgrade")
            probe?.closeSession(sendClosePacket: false)
            probe = nil
            session.probeEnded()
            flush()
        case .invalid(let reason):
            Log.debug("session \(id): \(reason)")
            close(reason: "parse error", mode: .silent)
        }
    }

    /// The old transport stops carrying packets while the new one is probed.
    private func pauseForUpgrade() {
        switch downstream {
        case .longPolling(let pending?):
            downstream = .longPolling(nil)
            respond(pending, status: 200, body: [EnginePacketType.noop.wireDigit])
        case .sse(let writer):
            let noop = ByteChunk(EngineCodec.sseEvent(.noop))
            on(writer.loop) { writer.writeStream(noop) }
        default:
            break
        }
    }

    private func completeUpgrade() {
        guard let probe else { return }
        switch downstream {
        case .longPolling(let pending?):
            respond(pending, status: 200, body: [EnginePacketType.noop.wireDigit])
        case .sse(let writer):
            on(writer.loop) { writer.endStream() }
        default:
            break
        }
        downstream = .webSocket(probe)
        self.probe = nil
        flush()
        server.application.engineSocketUpgraded(self)
    }

    /// A WebSocket attached to this session closed.
    func webSocketClosed(_ transport: WebSocketTransport) {
        if probe === transport {
            probe = nil
            session.probeEnded()
            flush()
        } else if case .webSocket(let active) = downstream, active === transport {
            close(reason: "transport close", mode: .silent)
        }
    }

    /// Ends the session: tells the transport what the mode says, forgets the session, tells the
    /// application.
    func close(reason: String, mode: CloseMode) {
        guard session.close() else { return }
        heartbeat?.cancel()
        heartbeat = nil
        server.forget(self)
        let closePacket = EnginePacket.close
        switch downstream {
        case .webSocket(let transport) where mode == .abort:
            transport.abort()
        case .webSocket(let transport):
            transport.closeSession(sendClosePacket: mode == .notify)
        case .sse(let writer) where mode == .abort:
            on(writer.loop) { writer.connection.close() }
        case .longPolling(let pending?):
            respond(pending, status: 200, body: [mode == .clientRequested ? EnginePacketType.noop.wireDigit : closePacket.type.wireDigit])
        case .sse(let writer):
            let last = mode == .notify ? ByteChunk(EngineCodec.sseEvent(closePacket)) : nil
            on(writer.loop) {
                if let last { writer.writeStream(last) }
                writer.endStream()
            }
        case .longPolling(nil), .polling, .none:
            break
        }
        downstream = .none
        probe?.closeSession(sendClosePacket: false)
        probe = nil
        Log.debug("session \(id) closed: \(reason)")
        server.application.engineSocketClosed(self, reason: reason)
    }
}

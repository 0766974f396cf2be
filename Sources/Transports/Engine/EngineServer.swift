import Glibc
import PushCore
import Synchronization

/// Engine server settings.
public struct EngineServerConfiguration: Sendable {
    /// Where the engine answers, with a trailing slash ("/socket.io/").
    public var path = "/socket.io/"
    public var session = EngineSessionConfig()
    public var origins = OriginPolicy.sameOrigin
    /// Believe X-Forwarded-For, -Host and -Proto (set only behind a proxy that sets them):
    /// for the origin check and the client address apps, the API and hooks see.
    public var trustProxy = false
    public var transports: Set<EngineTransportKind> = Set(EngineTransportKind.allCases)
    /// Sessions open at once at most; handshakes past it get 503.
    public var maxSessions = 1_000_000
    /// Honour a `block=websocket,sse` query parameter by refusing those transports, so the demo
    /// page can show a real fallback. Off unless the demo app runs.
    public var allowsBlockParameter = false

    public init() {}
}

/// The engine endpoint: validates Engine.IO requests, opens sessions, and hands each request
/// or WebSocket to its session on the session's loop.
public final class EngineServer: HTTPEndpoint, @unchecked Sendable {
    public let configuration: EngineServerConfiguration
    public let application: EngineApplication
    let registry = SessionRegistry<EngineSocket>()
    /// Returns freed memory to the system after many sessions close.
    public let trimmer = MemoryTrimmer()

    /// Hands a message to the application, borrowed from this server: the application is
    /// shared by every loop, and a retain and release around each message's call (what the
    /// caller did when it read `application` itself) bounce its reference count's cache line
    /// between cores.
    @inline(never)
    func deliver(_ message: EnginePacket, from socket: EngineSocket) {
        application.engineSocket(socket, didReceive: message)
    }

    /// Hands a message whose payload is lent to the application, as `deliver(_:from:)` does.
    @inline(never)
    func deliverMessage(_ payload: UnsafeRawBufferPointer, isBinary: Bool, from socket: EngineSocket) {
        application.engineSocket(socket, didReceiveMessage: payload.bytes, isBinary: isBinary)
    }

    /// Marks an upgrade request one node relays to another.
    package static let relayHeader = "X-Pushd-Relayed"

    /// Takes requests for sessions of other nodes (cluster mode). Set before start.
    public var forwarder: SessionForwarder?
    /// This node's tag in the session ids it makes (cluster mode); empty alone.
    public var nodeTag: [UInt8] = []

    /// The session settings every session shares.
    let sessionSettings: EngineSessionSettings
    /// `configuration.transports` as a mask of their bits.
    private let allowedTransports: UInt8

    /// Each loop's open sessions, touched on that loop only (what the memory budget scans and
    /// an application's per-loop broadcast walks).
    /// Index: loop index. Set before start (`trackSessions`).
    private(set) var sessionsByLoop: [SlotList<EngineSocket>] = []

    /// Keeps a list of each loop's sessions. Before start.
    func trackSessions(on loops: [EventLoop]) {
        sessionsByLoop = loops.map { $0.makeLocal { SlotList() } }
        loopAnswers = loops.map { $0.makeLocal { EngineLoopAnswers() } }
    }

    /// Index: loop index. Set before start (`trackSessions`), so reads skip the runtime's
    /// exclusivity checks.
    @exclusivity(unchecked) private var loopAnswers: [EngineLoopAnswers] = []

    /// What answers written on `loop` are made of (call on `loop`); nil where loops are not
    /// tracked (a server set up without `trackSessions`).
    func answers(on loop: EventLoop) -> EngineLoopAnswers? {
        loop.index < loopAnswers.count ? loopAnswers[loop.index] : nil
    }

    /// Calls `body` with each open session of `loop`, on that loop (asserted), so an
    /// application can reach every session without a table of its own.
    public func forEachSession(on loop: EventLoop, _ body: (EngineSocket) -> Void) {
        loop.assertInLoop()
        guard loop.index < sessionsByLoop.count else { return }
        // A snapshot: a socket that closes during the walk leaves the list, not the walk.
        let sockets = sessionsByLoop[loop.index].elements
        sockets.forEachUncounted(body)
    }

    /// What loop `loop`'s sessions hold for their clients: the sum, and the largest holders.
    func holdings(on loop: EventLoop, largest count: Int) -> (total: Int, largest: [MemoryBudget.Holder<EngineSocket>]) {
        loop.assertInLoop()
        guard loop.index < sessionsByLoop.count else { return (0, []) }
        var total = 0
        var largest = MemoryBudget.Largest<EngineSocket>(count)
        forEachSession(on: loop) { socket in
            let held = socket.heldBytes
            guard held > 0 else { return }
            total += held
            largest.offer(bytes: held) { socket }
        }
        return (total, largest.holders)
    }

    public init(configuration: EngineServerConfiguration, application: EngineApplication) {
        self.configuration = configuration
        self.sessionSettings = EngineSessionSettings(configuration.session)
        self.allowedTransports = configuration.transports.reduce(0) { $0 | $1.bit }
        self.application = application
    }

    /// Open sessions.
    public var sessionCount: Int { registry.count }

    /// The session with this id, if open (any loop; use it on its own loop).
    public func session(_ id: String) -> EngineSocket? { registry.lookup(id) }

    func forget(_ socket: EngineSocket) {
        // By identity: no `EngineSocket?` is made, and no other session's entry can go.
        registry.remove(socket.id, ifIdenticalTo: socket)
        if socket.loop.index < sessionsByLoop.count {
            sessionsByLoop[socket.loop.index].remove(socket)
        }
        trimmer.noteRelease()
    }

    private let drainingFlag = Atomic<Bool>(false)
    /// When each refused origin was last logged (shared, but touched only on refusals).
    private let originRefusals = Mutex(OriginRefusalLog())

    /// Refuses a request from an origin not allowed: logged once per origin per minute with
    /// the fix, answered 403 with a header that names the reason (for client.js).
    private func refusedOrigin(_ origin: String, _ request: HTTPRequest, _ writer: HTTPResponseWriter) {
        let now = writer.loop.now
        if originRefusals.withLock({ $0.shouldLog(origin, now: now) }) {
            let untrustedProxy = !configuration.trustProxy && request.head.headers["X-Forwarded-Host"] != nil
            Log.info(OriginRefusalLog.message(origin: origin, untrustedProxy: untrustedProxy))
        } else {
            Log.debug("\(request.remoteAddress): origin \(origin) refused")
        }
        reject(writer, .forbidden, cors: [(OriginRefusalLog.reasonHeader, OriginRefusalLog.reasonValue)])
    }

    /// Closes every session (shutdown), each on its loop; new handshakes get 503 from now on.
    public func closeAll() {
        drainingFlag.store(true, ordering: .relaxed)
        registry.forEach { _, socket in
            socket.loop.execute { socket.close() }
        }
    }

    public func maxBodyBytes(for head: HTTPRequestHead) -> Int { configuration.session.maxPayload }

    public func handle(_ request: HTTPRequest, _ writer: HTTPResponseWriter) {
        let head = request.head
        let origin = head.headers["Origin"]
        // Read only when asked for: a request without an Origin (most of them) needs no host,
        // and only a new session needs the client's address.
        lazy var proxy = ProxyHeaders(head.headers, peer: request.remoteAddress, trusted: configuration.trustProxy)
        let cors = origin == nil ? [] : configuration.origins.corsHeaders(origin: origin, host: proxy.host)
        if head.method == .options {
            preflight(head, writer, cors: cors)
            return
        }
        // A parsed head's query is read in place in its target.
        let queryIsTargets = head.queryIsTargets
        var query = EngineQuery()
        guard query.read(queryIsTargets ? head.target : head.query, queryOfTarget: queryIsTargets) else {
            reject(writer, .badRequest, cors: cors)
            return
        }
        guard query.isProtocolVersion4 else {
            reject(writer, .unsupportedProtocolVersion, cors: cors)
            return
        }
        guard let kind = query.transportKind, allowedTransports & kind.bit != 0 else {
            reject(writer, .unknownTransport, cors: cors)
            return
        }
        if configuration.allowsBlockParameter, let blocked = query.block,
           blocked.split(separator: ",").contains(where: { $0 == kind.rawValue }) {
            reject(writer, .forbidden, cors: cors)
            return
        }
        guard origin == nil || configuration.origins.allows(origin: origin, host: proxy.host, scheme: proxy.scheme) else {
            refusedOrigin(origin ?? "", request, writer)
            return
        }
        let isUpgrade = head.upgrade == "websocket"
        if kind == .websocket && !isUpgrade {
            reject(writer, .badRequest, cors: cors)
            return
        }
        guard query.hasSID else {
            // The browser's EventSource reopening a cut stream (the URL has no sid): resume it.
            if kind == .sse, head.method == .get, let lastID = head.headers["Last-Event-ID"], !lastID.isEmpty {
                resumeEventStream(lastID, request, writer, cors: cors)
                return
            }
            // The proxy's word is read only when trusted: else the peer is the client.
            let clientAddress = configuration.trustProxy ? proxy.clientAddress : request.remoteAddress
            openSession(request, writer, kind: kind, cors: cors, clientAddress: clientAddress)
            return
        }
        guard let socket = registry.lookup(sidOf: query) else {
            let sid = query.sid ?? ""
            if let forwarder, let owner = SessionID.nodeTag(of: sid), owner != SessionID.encodeNodeTag(nodeTag) {
                if kind == .websocket {
                    // A bad handshake is answered here; a good one is relayed to the owner, once:
                    // an upgrade already relayed (an advertised address that leads to another
                    // node) is refused rather than sent round again.
                    guard validateWebSocket(request, writer) != nil else { return }
                    if head.headers[Self.relayHeader] == nil,
                       forwarder.relay(request, writer, owner: String(owner), cors: cors) { return }
                } else if forwarder.forward(request, writer, kind: kind, sid: sid, owner: String(owner), cors: cors) {
                    return
                }
            }
            reject(writer, .unknownSid, cors: cors)
            return
        }
        if kind == .websocket {
            upgrade(request, writer, to: socket)
            return
        }
        dispatch(request, writer, to: socket, kind: kind)
    }

    /// Runs an HTTP transport request on its session's loop.
    func dispatch(_ request: HTTPRequest, _ writer: EngineResponder, to socket: EngineSocket, kind: EngineTransportKind) {
        let headBytes = request.head.wireByteCount
        // On the session's loop (the usual case) no closure is made and the request not copied.
        if socket.loop.inEventLoop {
            serve(request, writer, socket: socket, kind: kind, headBytes: headBytes)
        } else {
            // The server uncounted: it outlives every loop's work, and every loop's requests
            // would count it, a write to a line all the loops share.
            socket.loop.execute { [unowned(unsafe) self] in serve(request, writer, socket: socket, kind: kind, headBytes: headBytes) }
        }
    }

    private func serve(_ request: HTTPRequest, _ writer: EngineResponder, socket: EngineSocket, kind: EngineTransportKind,
                       headBytes: Int) {
        socket.http.headBytesIn += headBytes
        guard !socket.closeIfExpired() else {
            socket.respondError(writer, .unknownSid)
            return
        }
        switch request.head.method {
        case .get: socket.handlePoll(writer, kind: kind)
        case .post: socket.handlePost(request, writer, kind: kind)
        default: socket.respondError(writer, .badRequest)
        }
    }

    /// A request another node forwarded for one of this node's sessions.
    public func handleForwarded(_ request: HTTPRequest, kind: EngineTransportKind, sid: String, responder: EngineResponder) {
        guard let socket = registry.lookup(sid) else {
            responder.respond(status: 400, headers: [("Content-Type", "application/json")], body: EngineError.unknownSid.json)
            return
        }
        dispatch(request, responder, to: socket, kind: kind)
    }

    private func preflight(_ head: HTTPRequestHead, _ writer: HTTPResponseWriter, cors: [(String, String)]) {
        var headers = cors
        if !cors.isEmpty {
            headers.append(("Access-Control-Allow-Methods", "GET, POST, OPTIONS"))
            if let requested = head.headers["Access-Control-Request-Headers"] {
                headers.append(("Access-Control-Allow-Headers", requested))
            }
            headers.append(("Access-Control-Max-Age", "86400"))
        }
        writer.respond(status: 204, headers: headers, body: [])
    }

    private func reject(_ writer: HTTPResponseWriter, _ error: EngineError, cors: [(String, String)]) {
        writer.respond(status: error.httpStatus, headers: [("Content-Type", "application/json")] + cors, body: error.json)
    }

    // MARK: Handshake

    /// How long EventSource waits before reopening a cut stream (its own default is 3 s).
    static let eventStreamRetry = 1_000

    /// The head of an event stream.
    static let eventStreamHeaders = [
        ("Content-Type", "text/event-stream"),
        ("Cache-Control", "no-cache, no-transform"),
        // Tells nginx and similar proxies not to buffer the stream.
        ("X-Accel-Buffering", "no"),
    ]

    /// Finds the session a `Last-Event-ID` names and resumes its event stream there. A stream
    /// cut on its way through a load balancer may come back to another node: that node relays
    /// it to the session's owner, as it does a WebSocket upgrade.
    private func resumeEventStream(_ lastID: String, _ request: HTTPRequest, _ writer: HTTPResponseWriter,
                                   cors: [(String, String)]) {
        guard let (sid, sequence) = EngineCodec.parseSSEEventID(lastID) else {
            reject(writer, .unknownSid, cors: cors)
            return
        }
        guard let socket = registry.lookup(sid) else {
            if let forwarder, let owner = SessionID.nodeTag(of: sid), owner != SessionID.encodeNodeTag(nodeTag),
               request.head.headers[Self.relayHeader] == nil,
               forwarder.relay(request, writer, owner: String(owner), cors: cors) {
                return
            }
            reject(writer, .unknownSid, cors: cors)
            return
        }
        socket.loop.run { socket.resumeEventStream(writer, after: sequence) }
    }

    private func openSession(_ request: HTTPRequest, _ writer: HTTPResponseWriter, kind: EngineTransportKind,
                             cors: [(String, String)], clientAddress: String) {
        guard request.head.method == .get else {
            reject(writer, .badHandshakeMethod, cors: cors)
            return
        }
        guard registry.count < configuration.maxSessions, !drainingFlag.load(ordering: .relaxed) else {
            writer.respond(status: 503, headers: [("Content-Type", "text/plain"), ("Retry-After", "1")] + cors,
                           body: Array("Too many sessions\n".utf8))
            return
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let info = EngineRequestInfo(headers: request.head.headers, remoteAddress: clientAddress,
                                     issuedAt: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000,
                                     url: request.head.target)
        let socket = EngineSocket(id: SessionID.make(nodeTag: nodeTag, using: &writer.loop.random), loop: writer.loop, request: info, transport: kind,
                                  server: self, corsHeaders: cors)
        socket.http.requests = kind == .websocket ? 0 : 1
        socket.http.headBytesIn = request.head.wireByteCount
        switch kind {
        case .websocket:
            guard let transport = acceptWebSocket(request, writer) else { return }
            socket.countStreamHead(writer.headBytesWritten)
            transport.socket = socket
            socket.channel = .webSocket(transport)
        case .longPolling, .polling:
            break
        case .sse:
            writer.beginStream(status: 200, headers: Self.eventStreamHeaders + cors)
            socket.countStreamHead(writer.headBytesWritten)
            var prelude: [UInt8] = []
            EngineCodec.appendSSEPrelude(into: &prelude, retryMilliseconds: Self.eventStreamRetry)
            writer.writeStream(ByteChunk.copying(prelude))
            socket.channel = .eventStream(writer)
            // The writer drops this closure once the stream ends or its connection closes.
            writer.onAbort = { socket.loop.run { socket.eventStreamAborted(writer) } }
        }
        registry.insert(socket, for: socket.id)
        if socket.loop.index < sessionsByLoop.count {
            sessionsByLoop[socket.loop.index].insert(socket)
        }
        socket.perform(socket.session.handshake(), request: writer)
        socket.opened()
    }

    /// Validates a WebSocket handshake and switches the connection to a transport; nil after
    /// answering an error.
    private func acceptWebSocket(_ request: HTTPRequest, _ writer: HTTPResponseWriter) -> WebSocketTransport? {
        guard let accept = validateWebSocket(request, writer) else { return nil }
        let transport = WebSocketTransport(connection: writer.connection, maxMessageBytes: configuration.session.maxPayload,
                                           maxMessagesPerSecond: configuration.session.maxMessagesPerSecond)
        writer.upgrade(responseByteCount: WebSocketHandshake.responseByteCount, to: transport) {
            WebSocketHandshake.writeResponse(accept, to: $0)
        }
        return transport
    }

    /// The Sec-WebSocket-Accept value of a valid WebSocket handshake; nil after answering an error.
    private func validateWebSocket(_ request: HTTPRequest, _ writer: HTTPResponseWriter) -> WebSocketAccept? {
        switch WebSocketHandshake.validate(request.head) {
        case .failure(let error):
            writer.respond(status: error.status, headers: error.responseHeaders + [("Content-Type", "text/plain")],
                           body: Array("\(error.reason)\n".utf8))
            return nil
        case .success(let accept):
            return accept
        }
    }

    /// A WebSocket for an existing session: the probe of an upgrade. The handshake is answered
    /// here, on the connection's loop; the session then takes the WebSocket as its probe, or
    /// closes it, on its own loop.
    private func upgrade(_ request: HTTPRequest, _ writer: HTTPResponseWriter, to socket: EngineSocket) {
        guard let transport = acceptWebSocket(request, writer) else { return }
        socket.countStreamHead(writer.headBytesWritten)
        let headBytes = request.head.wireByteCount
        // Frames may follow the 101 at once: the transport knows its session before any read,
        // and the session sees the probe before any of its frames (same loop: now; another
        // loop: that loop's queue is FIFO).
        transport.socket = socket
        socket.loop.run {
            socket.http.headBytesIn += headBytes
            socket.attachProbe(transport)
        }
    }
}

/// Carries requests for sessions that live on other nodes to their owners.
public protocol SessionForwarder: AnyObject, Sendable {
    /// Forwards the request to the node `owner` and answers `writer` with its reply; false
    /// when that node is not alive (the caller answers "Session ID unknown").
    func forward(_ request: HTTPRequest, _ writer: HTTPResponseWriter, kind: EngineTransportKind, sid: String,
                 owner: String, cors: [(String, String)]) -> Bool
    /// Relays a valid WebSocket upgrade to the node `owner`, then pipes the connection's bytes
    /// to it both ways; false when that node is not alive.
    func relay(_ request: HTTPRequest, _ writer: HTTPResponseWriter, owner: String, cors: [(String, String)]) -> Bool
}

import PushCore

/// One pushd process in a cluster sharing a Redis server.
///
/// Every node subscribes to a shared bus channel (broadcasts, room operations, requests) and to
/// its own channel (replies and forwarded HTTP requests). Each node refreshes a key with a
/// 3 s expiry every second, holding its advertised address; the nodes whose keys exist are
/// alive. Session ids carry their node's tag, so an HTTP request that lands on the wrong node
/// is forwarded to the owner over Redis, and a WebSocket upgrade is relayed to it over TCP. Delivery
/// between nodes is at most once: what is published while Redis is down is counted and lost.
/// All state lives on one loop: loop-confined (see LoopConfined) but for `start` and `publish`,
/// its entry points assert they run on `loop`.
public final class ClusterNode: LoopConfined, @unchecked Sendable {
    /// This node's id (the base64url tag in its session ids).
    public let id: String
    let tag: [UInt8]
    let redis: RedisClient
    var loop: EventLoop { redis.loop }
    let sockets: SocketServer
    let engine: EngineServer
    let local = InMemoryAdapter()
    /// Other nodes seen alive at the last scan.
    public private(set) var liveNodes: Set<String> = []
    private var pending: [UInt64: Pending] = [:]
    private var nextRequest: UInt64 = 1
    /// Forwarded requests this node is answering, by "origin/id".
    var answering: [String: ForwardedResponder] = [:]
    /// WebSockets relayed to their sessions' owners, with the owner of each.
    var relays: [ObjectIdentifier: (owner: String, splice: ConnectionSplice)] = [:]
    /// Where other nodes reach this one (relayed WebSockets); published with the heartbeat.
    private var address: NodeAddress?
    /// Time to wait for other nodes' answers (fetchSockets, serverSideEmit).
    public var requestTimeout: Int64 = 2_000
    /// Counts for `/metrics`, on the cluster loop.
    var counts = ClusterCounts()

    static let bus = "pushd:bus"
    static func channel(of node: String) -> String { "pushd:node:" + node }
    static func aliveKey(of node: String) -> String { "pushd:alive:" + node }

    /// What a request waits for: some number of answers, or one forwarded reply.
    enum Pending {
        case answers(expected: Int, received: [JSONValue], timer: Timer?, done: ([JSONValue]) -> Void)
        case forwarded(HTTPResponseWriter, cors: [(String, String)], owner: String, timer: Timer?)
    }

    public init(url: RedisURL, loop: EventLoop, sockets: SocketServer, engine: EngineServer) {
        var generator = SystemRandomNumberGenerator()
        tag = (0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) }
        id = SessionID.encodeNodeTag(tag)
        redis = RedisClient(url: url, loop: loop)
        self.sockets = sockets
        self.engine = engine
    }

    /// Joins the cluster: adapter and forwarder in place, subscriptions, heartbeat.
    public func start() {
        engine.nodeTag = tag
        engine.forwarder = self
        sockets.adapter = ClusterAdapter(node: self)
        redis.onMessage = { [unowned self] channel, payload in receive(channel, payload) }
        redis.onAvailability = { [unowned self] up in if up { heartbeat() } }
        loop.execute { [self] in
            redis.subscribe(Self.bus)
            redis.subscribe(Self.channel(of: id))
            scheduleHeartbeat()
        }
        redis.start()
        Log.info("cluster node \(id) joining via \(redis.url.redacted)")
    }

    /// Publishes where other nodes reach this one, from now on (any thread; once listening).
    public func advertise(_ address: NodeAddress) {
        loop.execute { [self] in
            self.address = address
            Log.info("cluster node \(id) reachable at \(address)")
            if redis.isAvailable { heartbeat() }
        }
    }

    // MARK: Liveness

    private func scheduleHeartbeat() {
        assertInLoop()
        loop.schedule(after: 1_000) { [self] in
            heartbeat()
            scheduleHeartbeat()
        }
    }

    private func heartbeat() {
        assertInLoop()
        // The key's value is the advertised address ("-" until known).
        redis.send("SET", Self.aliveKey(of: id), address?.description ?? "-", "PX", "3000")
        scan(cursor: "0", found: [])
    }

    private func scan(cursor: String, found: Set<String>) {
        assertInLoop()
        redis.send("SCAN", cursor, "MATCH", Self.aliveKey(of: "*"), "COUNT", "1000") { [self] reply in
            guard let items = reply.elements, items.count == 2, let next = items[0].string,
                  let keys = items[1].elements else { return }
            var nodes = found
            for key in keys {
                if let name = key.string?.dropFirst(Self.aliveKey(of: "").count), name != id { nodes.insert(String(name)) }
            }
            if next != "0" { scan(cursor: next, found: nodes); return }
            let gone = liveNodes.subtracting(nodes)
            let joined = nodes.subtracting(liveNodes)
            if !gone.isEmpty {
                Log.warning("cluster: node(s) \(gone.sorted().joined(separator: ", ")) gone")
                failForwards(to: gone)
                closeRelays(to: gone)
            }
            if !joined.isEmpty { Log.info("cluster: node(s) \(joined.sorted().joined(separator: ", ")) alive") }
            liveNodes = nodes
        }
    }

    // MARK: Sending

    /// Publishes a message (any thread); lost, and counted, while Redis is unreachable. Always
    /// queued, never run inline: messages handed over in some order (recoverable broadcasts are,
    /// under recovery's lock) leave in that order whichever loop they come from.
    func publish(_ message: JSONValue, to channel: String = ClusterNode.bus) {
        var encoded: [UInt8] = []
        message.serialize(into: &encoded)
        let bytes = encoded
        loop.execute { [self] in
            counts.publishes += 1
            redis.send([Array("PUBLISH".utf8), Array(channel.utf8), bytes])
        }
    }

    /// Sends a request to every other live node and gathers their answers (cluster loop).
    func request(_ message: [JSONMember], done: @escaping ([JSONValue]) -> Void) {
        assertInLoop()
        let expected = liveNodes.count
        guard expected > 0, redis.isAvailable else { done([]); return }
        let number = nextRequestNumber()
        let timer = loop.schedule(after: requestTimeout) { [self] in finish(number) }
        pending[number] = .answers(expected: expected, received: [], timer: timer, done: done)
        publish(.object(message + [JSONMember("n", .string(id)), JSONMember("id", .number(Double(number)))]))
    }

    func nextRequestNumber() -> UInt64 {
        assertInLoop()
        defer { nextRequest += 1 }
        return nextRequest
    }

    func storeForward(_ number: UInt64, writer: HTTPResponseWriter, cors: [(String, String)], owner: String, timer: Timer) {
        assertInLoop()
        pending[number] = .forwarded(writer, cors: cors, owner: owner, timer: timer)
    }

    /// Forgets a forwarded request; false if it was already answered.
    func cancelForward(_ number: UInt64) -> Bool {
        assertInLoop()
        guard case .forwarded(_, _, _, let timer)? = pending.removeValue(forKey: number) else { return false }
        timer?.cancel()
        return true
    }

    /// Requests waiting on nodes that died get "Session ID unknown" now, so clients reconnect.
    private func failForwards(to nodes: Set<String>) {
        assertInLoop()
        for (number, entry) in pending {
            guard case .forwarded(_, _, let owner, _) = entry, nodes.contains(owner) else { continue }
            forwardFailed(number)
        }
    }

    func takePending(_ number: UInt64) -> Pending? {
        assertInLoop()
        return pending.removeValue(forKey: number)
    }

    private func finish(_ number: UInt64) {
        assertInLoop()
        guard case .answers(_, let received, let timer, let done)? = pending.removeValue(forKey: number) else { return }
        timer?.cancel()
        done(received)
    }

    func reply(to node: String, request: JSONValue?, _ members: [JSONMember]) {
        guard let request else { return }
        publish(.object([JSONMember("k", "answer"), JSONMember("id", request)] + members), to: Self.channel(of: node))
    }

    // MARK: Receiving (cluster loop)

    private func receive(_ channel: String, _ payload: [UInt8]) {
        assertInLoop()
        guard let message = try? JSONParser.parse(payload, maxDepth: 64), let kind = message["k"]?.stringValue else {
            Log.debug("cluster: unreadable message on \(channel)")
            return
        }
        let from = message["n"]?.stringValue ?? ""
        // A node never re-delivers its own broadcast.
        if from == id { return }
        switch kind {
        case "broadcast", "operation", "fetch", "emit":
            ClusterAdapter.receive(kind, message, from: from, node: self)
        case "answer":
            receiveAnswer(message)
        case "forward":
            receiveForward(message, from: from)
        case "forward-abort":
            answering["\(from)/\(message["id"]?.intValue ?? -1)"]?.abort()
        case "forward-reply":
            receiveForwardReply(message)
        default:
            Log.debug("cluster: unknown message kind \(kind)")
        }
    }

    private func receiveAnswer(_ message: JSONValue) {
        assertInLoop()
        guard let number = message["id"]?.intValue.map(UInt64.init),
              case .answers(let expected, var received, let timer, let done)? = pending[number] else { return }
        received.append(message)
        if received.count >= expected {
            pending[number] = nil
            timer?.cancel()
            done(received)
        } else {
            pending[number] = .answers(expected: expected, received: received, timer: timer, done: done)
        }
    }
}

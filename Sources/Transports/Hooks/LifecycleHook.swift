import PushCore
import Synchronization

/// Where pending lifecycle records are kept besides memory (in cluster mode: a Redis stream per
/// node), so another node can deliver them if this one dies. Loop 0 only.
protocol LifecycleStore: AnyObject {
    /// A record was queued with this sequence number.
    func persist(_ json: [UInt8], sequence: UInt64)
    /// Records below `sequence` are delivered or dropped.
    func forget(below sequence: UInt64)
    /// A socket connected (its fields as a JSON object), or disconnected.
    func socketConnected(_ id: String, fields: [UInt8])
    func socketDisconnected(_ id: String)
}

/// Reports sockets' connects, disconnects, joins and leaves to the backend, at least once, in
/// order: records are queued on loop 0, batched and retried by a `LifecycleOutbox`, and posted
/// as `{"events":[...]}`. Each record has a unique `id` (the backend's idempotency key), the
/// node id and the time in milliseconds since 1970. A socket's connect and disconnect ids are
/// `<node>-<socket id>-c` and `-d`, so a disconnect reported twice (by a node as it died and by
/// the survivor that noticed) deduplicates to one.
package final class LifecycleHook: SocketObserver, @unchecked Sendable {
    let url: HTTPClientURL
    let client: HookClient
    let loop: EventLoop
    let timeout: Int64
    @exclusivity(unchecked) var outbox: LifecycleOutbox
    /// This node's id in records (the cluster node's id in a cluster).
    package private(set) var nodeID: String
    @exclusivity(unchecked) var store: LifecycleStore?
    @exclusivity(unchecked) private var timer: Timer?
    @exclusivity(unchecked) private var timerAt: Int64 = .max
    private let counter = Atomic<UInt64>(0)
    private let pending = Atomic<Int>(0)
    private let dropLog = HookLog(interval: 10_000)

    init(url: HTTPClientURL, client: HookClient, configuration: HookConfiguration) {
        self.url = url
        self.client = client
        self.loop = client.loops[0]
        self.timeout = max(configuration.timeout, 1_000)
        var settings = LifecycleOutbox.Configuration()
        settings.maxBatch = configuration.lifecycleBatch
        settings.batchDelay = configuration.lifecycleInterval
        settings.minBackoff = configuration.lifecycleMinBackoff
        settings.maxBackoff = configuration.lifecycleMaxBackoff
        settings.capacity = configuration.lifecycleQueue
        var generator = SystemRandomNumberGenerator()
        outbox = LifecycleOutbox(configuration: settings, seed: generator.next())
        nodeID = SessionID.encodeNodeTag((0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Records waiting for the backend (any thread).
    package var pendingCount: Int { pending.load(ordering: .relaxed) }

    /// Uses the cluster node's id and keeps pending records in Redis (before `start`).
    func attach(cluster node: ClusterNode) {
        precondition(node.loop === loop, "the lifecycle hook runs on the cluster's loop")
        nodeID = node.id
        redisStore = RedisLifecycleStore(hook: self, node: node)
        store = redisStore
    }

    @exclusivity(unchecked) private var redisStore: RedisLifecycleStore?

    func install(on server: SocketServer) {
        server.observe(self)
    }

    // MARK: SocketObserver (the socket's loop): records are made there, queued on loop 0

    package func socketConnected(_ socket: Socket) {
        let rooms = socket.rooms.filter { $0 != socket.id }.sorted().map { JSONValue.string($0) }
        let json = record(type: "connect", Self.socketFields(socket) + [
            JSONMember("rooms", .array(rooms)), JSONMember("transport", .string(socket.transportName)),
            JSONMember("address", .string(ServerAPI.hostPart(of: socket.handshake.remoteAddress))),
            JSONMember("recovered", .bool(socket.recovered)),
        ], id: "\(nodeID)-\(socket.id)-c\(socket.recovered ? "-r" + String(socket.handshake.issuedAt) : "")")
        var encoded: [UInt8] = []
        JSONValue.object(Self.socketFields(socket)).serialize(into: &encoded)
        let fields = encoded
        let id = socket.id
        loop.run { [self] in
            append(json)
            store?.socketConnected(id, fields: fields)
        }
    }

    package func socket(_ socket: Socket, joined room: String) {
        guard room != socket.id else { return }
        let json = record(type: "join", Self.socketFields(socket) + [JSONMember("room", .string(room))])
        loop.run { self.append(json) }
    }

    package func socket(_ socket: Socket, left room: String) {
        guard room != socket.id else { return }
        let json = record(type: "leave", Self.socketFields(socket) + [JSONMember("room", .string(room))])
        loop.run { self.append(json) }
    }

    package func socketDisconnected(_ socket: Socket, reason: DisconnectReason) {
        let json = record(type: "disconnect", Self.socketFields(socket) + [JSONMember("reason", .string(reason.description)),
                                                                           JSONMember("recoverable", .bool(socket.isRecoverable))],
                          id: "\(nodeID)-\(socket.id)-d\(socket.recovered ? "-r" + String(socket.handshake.issuedAt) : "")")
        let id = socket.id
        loop.run { [self] in
            append(json)
            store?.socketDisconnected(id)
        }
    }

    /// Queues the `node-start` record and starts delivering (from any thread, after the loops started).
    func start() {
        let json = record(type: "node-start", [])
        loop.execute { [self] in
            redisStore?.start()
            append(json)
        }
    }

    // MARK: Records

    /// A record: id (a counter's unless given), type, node, time, then `fields`.
    func record(type: String, _ fields: [JSONMember], id: String? = nil, node: String? = nil) -> [UInt8] {
        let recordID = id ?? "\(nodeID)-\(counter.add(1, ordering: .relaxed).newValue)"
        var members = [JSONMember("id", .string(recordID)), JSONMember("type", .string(type)),
                       JSONMember("node", .string(node ?? nodeID)), JSONMember("time", .number(Double(WallClock.milliseconds())))]
        members.append(contentsOf: fields)
        var bytes: [UInt8] = []
        JSONValue.object(members).serialize(into: &bytes)
        return bytes
    }

    /// The fields that name a socket in every record about it.
    static func socketFields(_ socket: Socket) -> [JSONMember] {
        [JSONMember("namespace", .string(socket.namespace.name)), JSONMember("socketId", .string(socket.id)),
         JSONMember("sid", .string(socket.sessionID)), JSONMember("user", socket.data["user"] ?? .null)]
    }

    /// The disconnect of a dead node's socket, from the fields it stored when it connected.
    func nodeFailureRecord(_ socketFields: [UInt8], deadNode: String) -> [UInt8] {
        let members = (try? JSONParser.parse(socketFields, maxDepth: 8))?.objectValue ?? []
        let socketID = members.first { $0.key == "socketId" }?.value.stringValue ?? "unknown"
        return record(type: "disconnect", members + [JSONMember("reason", "node failure"),
                                                     JSONMember("reportedBy", .string(nodeID))],
                      id: "\(deadNode)-\(socketID)-d", node: deadNode)
    }

    // MARK: Delivery (loop 0)

    /// Queues an encoded record and delivers when due.
    func append(_ json: [UInt8]) {
        loop.assertInLoop()
        let (sequence, dropped) = outbox.append(json, now: loop.now)
        store?.persist(json, sequence: sequence)
        if dropped > 0 {
            store?.forget(below: outbox.oldestSequence ?? outbox.upcomingSequence)
            dropLog.warning("lifecycle:dropped", "lifecycle hook: \(outbox.droppedCount) records dropped so far, "
                + "oldest first: \(outbox.configuration.capacity) were waiting for the backend (--lifecycle-queue)")
        }
        pending.store(outbox.pendingCount, ordering: .relaxed)
        drive()
    }

    func drive() {
        loop.assertInLoop()
        switch outbox.poll(now: loop.now) {
        case .idle:
            break
        case .wake(let at):
            guard timer == nil || at < timerAt else { return }
            timer?.cancel()
            timerAt = at
            timer = loop.schedule(after: max(1, at - loop.now)) { [unowned self] in
                timer = nil
                timerAt = .max
                drive()
            }
        case .send(let batch):
            client.post(url, kind: .lifecycle, body: batch.body, on: loop, timeout: timeout) { [unowned self] result in
                switch result {
                case .success(let response) where response.isSuccess:
                    outbox.delivered(batch)
                    store?.forget(below: outbox.oldestSequence ?? outbox.upcomingSequence)
                case .success(let response):
                    outbox.failed(batch, now: loop.now)
                    dropLog.warning("lifecycle:status", "lifecycle hook: backend answered \(response.status); "
                        + "\(outbox.pendingCount) records kept, retrying with backoff")
                case .failure(let error):
                    outbox.failed(batch, now: loop.now)
                    dropLog.warning("lifecycle:\(error)", "lifecycle hook: \(error); "
                        + "\(outbox.pendingCount) records kept, retrying with backoff")
                }
                pending.store(outbox.pendingCount, ordering: .relaxed)
                drive()
            }
        }
    }

    /// Figures for the health document (any thread: read on loop 0 would be exact; these are close).
    var statistics: String {
        "{\"pending\":\(pendingCount),\"node\":\"\(nodeID)\"}"
    }
}

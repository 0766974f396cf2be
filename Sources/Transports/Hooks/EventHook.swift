import PushCore
import Synchronization

/// Forwards client events whose names match `--hook-events` to the backend and applies its
/// answer: the acknowledgement, then emits, joins, leaves and a disconnect, in that order.
/// Events of one socket go one at a time, in the order sent (a bounded queue per socket);
/// sockets proceed in parallel. Failures become the acknowledgement
/// `{"error":"backend unavailable"}` (no answer: timeout, refused, overloaded, queue full) or
/// `{"error":"backend error"}` (non-2xx or malformed answer).
final class EventHook: SocketObserver, @unchecked Sendable {
    let url: HTTPClientURL
    let client: HookClient
    let configuration: HookConfiguration
    let api: ServerAPI
    let log: HookLog
    /// Per loop: the queues of that loop's sockets, by socket id (each touched on its loop only).
    private let queues: [LoopQueues]
    /// Events answered with an error at once because their socket's queue was full.
    let overflowCount = Atomic<Int>(0)

    final class LoopQueues {
        var bySocket: [String: SocketQueue] = [:]
    }

    /// One socket's events waiting for the backend, oldest first; `busy` while one is in flight.
    final class SocketQueue {
        var pending: [(event: String, arguments: [JSONValue], ack: Acknowledgement?)] = []
        var head = 0
        var busy = false
        var count: Int { pending.count - head + (busy ? 1 : 0) }
    }

    static let unavailable: JSONValue = .object([JSONMember("error", "backend unavailable")])
    static let backendError: JSONValue = .object([JSONMember("error", "backend error")])

    init(url: HTTPClientURL, client: HookClient, configuration: HookConfiguration, server: SocketServer, log: HookLog) {
        self.url = url
        self.client = client
        self.configuration = configuration
        self.api = ServerAPI(server: server)
        self.log = log
        self.queues = client.loops.map { $0.makeLocal { LoopQueues() } }
    }

    func install(on server: SocketServer) {
        server.interceptEvents { [self] socket, event, arguments, ack in
            guard configuration.forwards(event) else { return false }
            enqueue(socket, event, arguments, ack)
            return true
        }
        server.observe(self)
    }

    /// A socket's queue goes with it (its events can no longer be answered).
    func socketDisconnected(_ socket: Socket, reason: DisconnectReason) {
        queues[socket.loopIndex].bySocket[socket.id] = nil
    }

    private func enqueue(_ socket: Socket, _ event: String, _ arguments: [JSONValue], _ ack: Acknowledgement?) {
        let loopQueues = queues[socket.loopIndex]
        let queue: SocketQueue
        if let existing = loopQueues.bySocket[socket.id] {
            queue = existing
        } else {
            queue = SocketQueue()
            loopQueues.bySocket[socket.id] = queue
        }
        guard queue.count < configuration.socketQueue else {
            overflowCount.add(1, ordering: .relaxed)
            log.warning("event:overflow", "event hook: socket \(socket.id) has \(configuration.socketQueue) events "
                + "waiting; \"\(event)\" answered with an error at once (--hook-socket-queue)")
            ack?.send([Self.unavailable])
            return
        }
        queue.pending.append((event, arguments, ack))
        pump(socket, queue)
    }

    private func pump(_ socket: Socket, _ queue: SocketQueue) {
        guard !queue.busy, queue.head < queue.pending.count, socket.isConnected else { return }
        let item = queue.pending[queue.head]
        queue.head += 1
        if queue.head == queue.pending.count {
            queue.pending.removeAll(keepingCapacity: true)
            queue.head = 0
        }
        queue.busy = true
        let loop = client.loops[socket.loopIndex]
        let body = self.body(socket, item.event, item.arguments, asksAck: item.ack != nil)
        client.post(url, kind: .event, body: body, on: loop, timeout: configuration.timeout) { [self] result in
            queue.busy = false
            answer(socket, item.event, item.ack, result)
            pump(socket, queue)
        }
    }

    func body(_ socket: Socket, _ event: String, _ arguments: [JSONValue], asksAck: Bool) -> [UInt8] {
        let rooms = socket.rooms.filter { $0 != socket.id }.sorted().map { JSONValue.string($0) }
        let data = socket.data.sorted { $0.key < $1.key }.map { JSONMember($0.key, HookJSON.wrapBinary($0.value)) }
        let document = JSONValue.object([
            JSONMember("namespace", .string(socket.namespace.name)),
            JSONMember("socketId", .string(socket.id)),
            JSONMember("user", socket.data["user"] ?? .null),
            JSONMember("rooms", .array(rooms)),
            JSONMember("data", .object(data)),
            JSONMember("event", .string(event)),
            JSONMember("args", .array(arguments.map(HookJSON.wrapBinary))),
            JSONMember("ack", .bool(asksAck)),
        ])
        var bytes: [UInt8] = []
        document.serialize(into: &bytes)
        return bytes
    }

    private func answer(_ socket: Socket, _ event: String, _ ack: Acknowledgement?,
                        _ result: Result<HTTPClientResponse, HTTPClientError>) {
        let response: HTTPClientResponse
        switch result {
        case .failure(let error):
            log.warning("event:\(error)", "event hook: \"\(event)\" from socket \(socket.id): \(error)")
            ack?.send([Self.unavailable])
            return
        case .success(let answer):
            response = answer
        }
        guard response.isSuccess else {
            log.warning("event:status", "event hook: \"\(event)\" from socket \(socket.id): backend answered \(response.status)")
            ack?.send([Self.backendError])
            return
        }
        let decoded: EventHookAnswer
        switch EventHookAnswer.decode(response.body, namespace: socket.namespace.name) {
        case .failure(let error):
            log.warning("event:malformed", "event hook: \"\(event)\" from socket \(socket.id): malformed answer (\(error))")
            ack?.send([Self.backendError])
            return
        case .success(let answer):
            decoded = answer
        }
        ack?.send(decoded.ack ?? [])
        let now = client.loops[socket.loopIndex].now
        for emit in decoded.emits {
            api.execute(.emit(emit), now: now) { _ in }
        }
        guard socket.isConnected else { return }
        for room in decoded.join { socket.join(room) }
        for room in decoded.leave { socket.leave(room) }
        if decoded.disconnect { socket.disconnect() }
    }
}

/// One client connected to one namespace. Its handlers run on its loop; call its methods there
/// too (every handler already is). Other threads use the namespace's broadcast operators.
public final class Socket: @unchecked Sendable {
    /// Handles an event: its arguments, and an acknowledgement when the client asked for one.
    public typealias EventHandler = ([JSONValue], Acknowledgement?) -> Void
    /// A handler added with `on` or `once`, with the token `off` takes.
    typealias EventEntry = (id: Int, once: Bool, handler: EventHandler)

    public let id: String
    public let namespace: Namespace
    public let handshake: SocketHandshake
    let client: SocketClient
    /// Index of the event loop the socket lives on.
    public let loopIndex: Int
    public private(set) var rooms: Set<String> = []
    /// Read by every answer and emit on the socket's loop: no runtime exclusivity check.
    @exclusivity(unchecked) public private(set) var isConnected = false
    /// Set once the socket left; it never connects again.
    private var hasDisconnected = false
    /// Whether the socket still holds its namespace (from CONNECT until it leaves or is refused).
    private var holdsNamespace = true
    /// Free-form data the application keeps with the socket.
    public var data: [String: JSONValue] = [:]
    /// What the socket's connection token granted (nil without one).
    package var access: SocketAccess?
    /// The private session id a client presents to recover this socket (recovery on only).
    /// Only this client hears it, in its CONNECT answer.
    public internal(set) var pid: String?
    /// Whether this socket came back with a dropped one's id, rooms and data, and got what it
    /// missed (Socket.IO's `socket.recovered`).
    public internal(set) var recovered = false
    /// Whether the socket dropped in a way that keeps its state for the recovery window (set
    /// before the disconnect handlers and observers run).
    public private(set) var isRecoverable = false
    /// The recovery log's sequence when the socket joined its rooms.
    var connectedAtSequence: UInt64 = 0
    /// Cluster mode: the same point in every node's events, taken then (the log may have let
    /// go of the entries that would tell it later).
    var connectedAtVector: RecoveryVector?
    /// The socket's own handlers (nil until one is added; see SocketListeners).
    /// Both read per event, on the socket's loop: no runtime exclusivity checks.
    @exclusivity(unchecked) var listeners: SocketListeners?
    @exclusivity(unchecked) private var acks = PendingAcks()

    init(id: String, namespace: Namespace, client: SocketClient, handshake: SocketHandshake) {
        self.id = id
        self.namespace = namespace
        self.client = client
        self.handshake = handshake
        self.loopIndex = client.link.executor.index
    }

    /// The engine session's current transport ("websocket", "sse", "polling", "short-polling").
    public var transportName: String { client.link.transportName }
    /// Wire counters of the engine session this socket rides on.
    public var counters: SessionCounters { client.link.counters }
    /// The engine session id (shared by the client's namespaces).
    public var sessionID: String { client.link.sessionID }

    func run(_ task: @escaping @Sendable () -> Void) { client.link.executor.run(task) }

    /// Runs `action` on this socket's loop after `milliseconds` (a per-socket timer; cancel it
    /// when no longer wanted).
    @discardableResult
    public func schedule(after milliseconds: Int64, _ action: @escaping () -> Void) -> SocketTimer {
        client.link.executor.scheduleTimer(after: milliseconds, action)
    }

    // MARK: Listening

    /// Handles `event`; returns a token for `off`.
    @discardableResult
    public func on(_ event: String, _ handler: @escaping EventHandler) -> Int {
        add(event, once: false, handler)
    }

    /// Handles `event` once.
    @discardableResult
    public func once(_ event: String, _ handler: @escaping EventHandler) -> Int {
        add(event, once: true, handler)
    }

    /// Handles `event` whose first argument decodes as `T`; other payloads are ignored (and
    /// logged by nobody: a client sending the wrong shape gets no answer).
    @discardableResult
    public func on<T: Decodable>(_ event: String, as type: T.Type, _ handler: @escaping (T, Acknowledgement?) -> Void) -> Int {
        on(event) { arguments, ack in
            guard let first = arguments.first, let value = try? JSONValueDecoder().decode(T.self, from: first) else { return }
            handler(value, ack)
        }
    }

    private func add(_ event: String, once: Bool, _ handler: @escaping EventHandler) -> Int {
        nextHandlerID += 1
        handlers.add((nextHandlerID, once, handler), for: event)
        return nextHandlerID
    }

    /// Removes one handler (by token), or every handler of `event`.
    public func off(_ event: String, _ token: Int? = nil) {
        guard let token else { handlers.removeAll(for: event); return }
        handlers.removeAll(for: event) { $0.id == token }
    }

    /// Sees every incoming event (name and arguments) before its handlers.
    @discardableResult
    public func onAny(_ handler: @escaping (String, [JSONValue]) -> Void) -> Int {
        nextHandlerID += 1
        anyHandlers.append((nextHandlerID, handler))
        return nextHandlerID
    }

    /// Removes one catch-all handler, or all of them.
    public func offAny(_ token: Int? = nil) {
        guard let token else { anyHandlers = []; return }
        anyHandlers.removeAll { $0.id == token }
    }

    /// Runs while the socket is disconnecting, with its rooms still known.
    public func onDisconnecting(_ handler: @escaping (DisconnectReason) -> Void) { disconnectingHandlers.append(handler) }
    /// Runs after the socket disconnected, with the reason.
    public func onDisconnect(_ handler: @escaping (DisconnectReason) -> Void) { disconnectHandlers.append(handler) }
    /// Runs when the client's connection moves to another transport (an upgrade), with its name.
    public func onUpgrade(_ handler: @escaping (String) -> Void) { upgradeHandlers.append(handler) }

    func didUpgrade() {
        let name = transportName
        for handler in upgradeHandlers { handler(name) }
    }

    // MARK: Emitting

    /// Sends an event to this client.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        emit(event, arguments)
    }

    /// Sends an event with an argument list. With recovery on, an event that is not volatile
    /// carries its offset and is kept for replay.
    public func emit(_ event: String, _ arguments: [JSONValue], volatile: Bool = false) {
        let packet = SocketPacket(type: .event, namespace: namespace.name, data: .array([.string(event)] + arguments))
        if !volatile, isConnected, let recovery = namespace.server.recovery {
            recovery.emit(SocketWire(packet), to: self)
        } else {
            sendPacket(packet, volatile: volatile)
        }
    }

    /// Sends an event and waits for the client's acknowledgement, at most `timeout` ms.
    public func emit(_ event: String, _ arguments: [JSONValue], timeout: Int64,
                     ack: @escaping (Result<[JSONValue], AckError>) -> Void) {
        guard isConnected else { ack(.failure(.disconnected)); return }
        let id = acks.register(ack)
        // Cancelled when the ack arrives or the socket disconnects.
        let timer = client.link.executor.scheduleTimer(after: timeout) { [self] in
            acks.resolve(id, .failure(.timeout))
        }
        acks.setTimer(timer, for: id)
        sendPacket(SocketPacket(type: .event, namespace: namespace.name, data: .array([.string(event)] + arguments), ackId: id))
    }

    /// Sends one Encodable value as the event's argument.
    public func emit<T: Encodable>(_ event: String, encoding value: T) throws {
        emit(event, [try JSONValueEncoder().encode(value)])
    }

    /// Emits that may be dropped when this client is behind.
    public var volatile: VolatileEmitter { VolatileEmitter(socket: self) }

    // MARK: Rooms and broadcasts

    /// Adds the socket to a room. Middleware may call it too: the rooms are joined as the
    /// socket connects, before the client hears that it did.
    public func join(_ room: String) {
        guard !hasDisconnected, rooms.insert(room).inserted else { return }
        guard isConnected else { return }
        namespace.join(self, room)
        for observer in namespace.server.observers { observer.socket(self, joined: room) }
    }

    /// Removes the socket from a room.
    public func leave(_ room: String) {
        guard rooms.remove(room) != nil, isConnected else { return }
        namespace.leave(self, room)
        for observer in namespace.server.observers { observer.socket(self, left: room) }
    }

    /// Every other socket of the namespace.
    public var broadcast: BroadcastOperator { namespace.broadcastAll.except(id) }
    /// Sockets in `room`, except this one.
    public func to(_ room: String) -> BroadcastOperator { broadcast.to(room) }
    /// Same as `to`.
    public func `in`(_ room: String) -> BroadcastOperator { broadcast.to(room) }

    // MARK: Disconnecting

    /// Disconnects from this namespace; `closeTransport` also ends the client's engine session
    /// (and so its other namespaces).
    public func disconnect(closeTransport: Bool = false) {
        guard isConnected else { return }
        if closeTransport {
            // Every namespace of the client hears DISCONNECT before the transport closes, so
            // clients know not to reconnect.
            client.disconnectAll(reason: .serverNamespaceDisconnect)
        } else {
            sendPacket(SocketPacket(type: .disconnect, namespace: namespace.name))
            didDisconnect(reason: .serverNamespaceDisconnect)
        }
    }

    /// Disconnects from this namespace with a reason of pushd's own (an expired token).
    package func disconnect(reason: DisconnectReason) {
        guard isConnected else { return }
        sendPacket(SocketPacket(type: .disconnect, namespace: namespace.name))
        didDisconnect(reason: reason)
    }

    // MARK: Internals (socket's loop)

    func sendPacket(_ packet: SocketPacket, volatile: Bool = false) {
        client.send(packet, volatile: volatile)
    }

    /// Lets go of the namespace once (the last socket out frees a dynamic one).
    func releaseNamespace() {
        guard holdsNamespace else { return }
        holdsNamespace = false
        namespace.server.release(namespace)
    }

    /// Takes a dropped socket's rooms and data (before middleware and connecting).
    func restore(_ snapshot: RecoverySnapshot) {
        rooms = snapshot.rooms
        data = snapshot.data
        recovered = true
        pid = snapshot.pid
    }

    /// Where the socket joined its rooms in the recovery log (and, in a cluster, in every node's events).
    func connectedAt(_ sequence: UInt64, in recovery: ConnectionRecovery) {
        connectedAtSequence = sequence
        connectedAtVector = recovery.vector(at: sequence)
    }

    func markConnected() {
        isConnected = true
        rooms.insert(id)
        for room in rooms where room != id { namespace.join(self, room) }
    }

    func dispatch(_ packet: consuming SocketPacket) {
        switch packet.type {
        case .event, .binaryEvent:
            // Taken out of the consumed packet, the array is unshared: the arguments are the
            // same array less its first element, with no copy.
            let data = packet.data.take()
            guard case .array(var arguments)? = consume data, case .string(let event)? = arguments.first else { return }
            arguments.removeFirst()
            let ack = packet.ackId.map { Acknowledgement(socket: self, id: $0) }
            // Each list is asked whether it is empty first: taking an empty one still counts a
            // reference (to the shared empty array, a call that writes nothing).
            if namespace.server.eventInterceptorCount > 0 {
                for interceptor in namespace.eventInterceptors(onLoop: loopIndex) where interceptor(self, event, arguments, ack) { return }
            }
            if !anyHandlers.isEmpty { for entry in anyHandlers { entry.handler(event, arguments) } }
            // Sockets served by shared handlers have no listeners: no lookup of the name.
            if let listeners, let list = listeners.events.handlers(for: event) {
                if list.contains(where: \.once) { listeners.events.removeAll(for: event) { $0.once } }
                for entry in list { entry.handler(arguments, ack) }
            }
            for handler in namespace.sharedHandlers(for: event, onLoop: loopIndex) { handler(self, arguments, ack) }
        case .ack, .binaryAck:
            guard let id = packet.ackId else { return }
            let arguments: [JSONValue]
            if case .array(let items)? = packet.data { arguments = items } else { arguments = [] }
            acks.resolve(id, .success(arguments))
        case .disconnect:
            didDisconnect(reason: .clientNamespaceDisconnect)
        case .connect, .connectError:
            break
        }
    }

    func didDisconnect(reason: DisconnectReason) {
        guard isConnected else { return }
        hasDisconnected = true
        if let recovery = namespace.server.recovery, let pid, reason.isRecoverable {
            isRecoverable = true
            recovery.save(RecoverySnapshot(pid: pid, socketID: id, namespace: namespace.name, rooms: rooms, data: data,
                                           disconnectedAt: recovery.clock(), connectedAtSequence: connectedAtSequence,
                                           connectedAt: connectedAtVector))
        }
        for observer in namespace.server.observers { observer.socketDisconnected(self, reason: reason) }
        for handler in disconnectingHandlers { handler(reason) }
        isConnected = false
        namespace.removed(self)
        rooms.removeAll()
        client.forget(self)
        acks.failAll()
        for handler in disconnectHandlers { handler(reason) }
        handlers = EventNameTable()
        releaseNamespace()
        anyHandlers = []
        disconnectingHandlers = []
        disconnectHandlers = []
        upgradeHandlers = []
    }
}

/// `socket.volatile.emit(...)`.
public struct VolatileEmitter {
    let socket: Socket

    public func emit(_ event: String, _ arguments: JSONValue...) {
        socket.emit(event, arguments, volatile: true)
    }
}

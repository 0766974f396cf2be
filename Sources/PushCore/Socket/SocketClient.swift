/// The Socket.IO side of one engine session: decodes packets, connects namespaces, and routes
/// each packet to its socket. Confined to the session's loop.
final class SocketClient: @unchecked Sendable {
    let link: EngineLink
    /// Unowned and unchecked, as a namespace's: the server outlives its clients, and a checked
    /// reference would be counted, in the server's one cache line, for every packet.
    unowned(unsafe) let server: SocketServer
    // Loop-confined, as is the whole client: what a packet touches skips the runtime's
    // exclusivity checks (each is a call and a search of the thread's access set).
    @exclusivity(unchecked) private var decoder: SocketPacketDecoder
    @exclusivity(unchecked) private var sockets = ClientSockets()
    private var connectTimer: SocketTimer?
    /// Runs while a binary packet waits for its attachments.
    @exclusivity(unchecked) private var attachmentTimer: SocketTimer?
    /// Namespaces whose CONNECT waits for a shared snapshot (cluster recovery).
    private var awaitingSnapshot: Set<String> = []
    /// Beside `closeReason`: the two small fields share a word (a smaller malloc size class).
    @exclusivity(unchecked) private var closed = false
    /// Why the server closed the session, when it did (the engine reports its own reason).
    private var closeReason: DisconnectReason?

    init(link: EngineLink, server: SocketServer) {
        self.link = link
        self.server = server
        self.decoder = SocketPacketDecoder(maxAttachments: server.configuration.maxAttachments,
                                           maxDepth: server.configuration.maxJSONDepth)
    }

    /// Closes the session if no namespace connects in time.
    func start() {
        // Strong captures here and below: timers are cancelled on connect and close, and a weak
        // reference would put every retain of this object on the runtime's slow path.
        connectTimer = link.executor.scheduleTimer(after: server.configuration.connectTimeout) { [self] in
            // A namespace still in middleware holds its place but is not connected yet.
            guard !closed, !sockets.all.contains(where: \.isConnected) else { return }
            close(reason: .connectTimeout)
        }
    }

    func send(_ wire: SocketWire, volatile: Bool) {
        for message in wire.messages { link.send(message, volatile: volatile) }
    }

    /// Sends one packet's messages as `SocketWire` makes them, without the array: the text
    /// encoded where the link lends it, then the attachments.
    func send(_ packet: SocketPacket, volatile: Bool) {
        var attachments: [[UInt8]] = []
        link.send(volatile: volatile) { SocketPacketEncoder.encode(packet, into: &$0, attachments: &attachments) }
        for attachment in attachments { link.send(.message(binary: attachment), volatile: volatile) }
    }

    func receive(_ packet: EnginePacket) {
        handle(packet.isBinary ? decoder.receive(binary: packet.payload) : decoder.receive(text: packet.payload))
    }

    /// A text message's bytes, lent for the call: the packet keeps copies of what it needs.
    func receive(text: UnsafeRawBufferPointer) {
        handle(decoder.receive(text: text))
    }

    private func handle(_ result: consuming SocketDecodeResult) {
        // Consumed: the packet is routed without a copy of its data.
        switch consume result {
        case .needAttachments:
            if attachmentTimer == nil { startAttachmentTimer() }
        case .error(let error):
            stopAttachmentTimer()
            server.log("session \(SessionID.redacted(link.sessionID)): malformed packet (\(error)); closing")
            close(reason: .parseError)
        case .packet(let socketPacket):
            stopAttachmentTimer()
            route(socketPacket)
        }
    }

    private func stopAttachmentTimer() {
        guard let timer = attachmentTimer else { return }
        timer.cancel()
        attachmentTimer = nil
    }

    /// Bytes held in a binary packet still collecting its attachments.
    var heldBytes: Int { decoder.pendingAttachmentBytes }

    private func startAttachmentTimer() {
        let timeout = server.configuration.attachmentTimeout
        attachmentTimer = link.executor.scheduleTimer(after: timeout) { [self] in
            attachmentTimer = nil
            guard !closed else { return }
            server.log("session \(link.sessionID): a binary packet's attachments did not arrive within \(timeout) ms; closing")
            close(reason: .parseError)
        }
    }

    private func route(_ packet: consuming SocketPacket) {
        if packet.type == .connect {
            connect(packet)
            return
        }
        guard let socket = sockets[packet.namespace] else {
            if sockets.isEmpty {
                // The spec: a first packet other than CONNECT closes the connection.
                server.log("session \(SessionID.redacted(link.sessionID)): \(packet.type) before CONNECT; closing")
                close(reason: .parseError)
            }
            // Otherwise packets for a namespace this client is not in are dropped, as Socket.IO does.
            return
        }
        socket.dispatch(packet)
    }

    private func connect(_ packet: SocketPacket) {
        let name = packet.namespace
        guard sockets[name] == nil, !awaitingSnapshot.contains(name) else { return }
        let namespace: Namespace
        switch server.reserveNamespace(named: name) {
        case .found(let found):
            namespace = found
        case .unknown:
            send(SocketWire(SocketPacket(type: .connectError, namespace: name, data: ["message": "Invalid namespace"])), volatile: false)
            return
        case .full:
            server.log("session \(link.sessionID): CONNECT to \(name) refused: \(server.configuration.maxNamespaces) namespaces exist")
            send(SocketWire(SocketPacket(type: .connectError, namespace: name, data: ["message": "Too many namespaces"])), volatile: false)
            return
        }
        var auth: JSONValue
        switch packet.data {
        case .object?: auth = packet.data!
        default: auth = .object([])
        }
        // A client that had a socket here presents its pid and last offset (Socket.IO 4.6).
        guard let recovery = server.recovery, case .object(let members) = auth, let pid = auth["pid"]?.stringValue else {
            return admit(name, namespace, auth: auth, previous: nil)
        }
        let offset = auth["offset"]?.stringValue
        // The pid is a secret: it stays out of what middleware, hooks and fetchSockets see.
        auth = .object(members.filter { $0.key != "pid" && $0.key != "offset" })
        guard let shared = recovery.snapshots else {
            let session = try? recovery.peek(pid: pid, namespace: name, offset: offset).get()
            return admit(name, namespace, auth: auth, previous: (pid, offset, session?.snapshot, false))
        }
        // Cluster: the snapshot is in Redis, wherever the socket was; taken before middleware.
        // Only what could be a pid (a session id) is looked up.
        guard SessionID.isWellFormed(pid) else {
            recovery.countFailure(.unknownSession)
            return admit(name, namespace, auth: auth, previous: (pid, offset, nil, true))
        }
        awaitingSnapshot.insert(name)
        let executor = link.executor
        let filtered = auth
        shared.take(pid: pid) { [self] snapshot in
            executor.execute { [self] in
                awaitingSnapshot.remove(name)
                guard !closed else { return server.release(namespace) }
                // Whether it can be recovered here, as `peek` tells without a cluster.
                let usable = snapshot.flatMap { recovery.check($0, namespace: name, offset: offset) ? $0 : nil }
                if snapshot == nil { recovery.countFailure(.unknownSession) }
                admit(name, namespace, auth: filtered, previous: (pid, offset, usable, true))
            }
        }
    }

    /// Makes the socket (with a dropped one's state when `previous` has it), runs middleware,
    /// then connects it.
    private func admit(_ name: String, _ namespace: Namespace, auth: JSONValue,
                       previous: (pid: String, offset: String?, snapshot: RecoverySnapshot?, shared: Bool)?) {
        let handshake = link.handshake(auth: auth)
        let socket = Socket(id: previous?.snapshot?.socketID ?? link.executor.makeID(), namespace: namespace, client: self,
                            handshake: handshake)
        if let snapshot = previous?.snapshot {
            socket.restore(snapshot)
        } else if server.recovery != nil {
            socket.pid = link.executor.makeID()
        }
        // Reserve the namespace so a second CONNECT during middleware is ignored.
        sockets[name] = socket
        namespace.admit(socket) { [self] refusal in
            guard !closed else { return }
            if let refusal {
                self.sockets[name] = nil
                socket.releaseNamespace()
                self.send(SocketWire(SocketPacket(type: .connectError, namespace: name, data: refusal.payload)), volatile: false)
                return
            }
            self.connectTimer?.cancel()
            self.connectTimer = nil
            guard let recovery = server.recovery else { return finishConnect(socket, missed: []) }
            guard socket.recovered, let previous else {
                socket.connectedAt(recovery.connectedSequence(onLoop: socket.loopIndex), in: recovery)
                return finishConnect(socket, missed: [])
            }
            // Missed events are chosen at a point in the loop's order (see ConnectionRecovery).
            let body: (Result<RecoveredSession, RecoveryFailure>) -> Void = { [self] result in
                guard !closed, sockets[name] === socket else { return }
                switch result {
                case .success(let session):
                    socket.connectedAt(session.lastSequence, in: recovery)
                    finishConnect(socket, missed: session.missed)
                case .failure:
                    // Gone since the peek (expired, or its events dropped): a fresh pid tells
                    // the client it was not recovered.
                    socket.recovered = false
                    socket.pid = link.executor.makeID()
                    socket.connectedAt(recovery.connectedSequence(onLoop: socket.loopIndex), in: recovery)
                    finishConnect(socket, missed: [])
                }
            }
            if previous.shared, let snapshot = previous.snapshot {
                recovery.recover(snapshot, offset: previous.offset, on: link.executor, body)
            } else {
                recovery.recover(pid: previous.pid, namespace: name, offset: previous.offset, on: link.executor, body)
            }
        }
    }

    /// Joins the socket's rooms, answers CONNECT, replays what a recovered socket missed, then
    /// runs the connection handlers (whose emits follow the replay).
    private func finishConnect(_ socket: Socket, missed: [[EnginePacket]]) {
        socket.markConnected()
        var answer: [JSONMember] = [JSONMember("sid", .string(socket.id))]
        if let pid = socket.pid { answer.append(JSONMember("pid", .string(pid))) }
        send(SocketWire(SocketPacket(type: .connect, namespace: socket.namespace.name, data: .object(answer))), volatile: false)
        for messages in missed {
            for message in messages { link.send(OutboundPacket(message)) }
        }
        socket.namespace.connected(socket)
    }

    /// The engine session moved to another transport.
    func upgraded() {
        for socket in sockets.all where socket.isConnected { socket.didUpgrade() }
    }

    /// A socket left its namespace (it already sent or received DISCONNECT).
    func forget(_ socket: Socket) {
        if sockets[socket.namespace.name] === socket { sockets[socket.namespace.name] = nil }
    }

    /// Sends DISCONNECT on every namespace, then ends the engine session.
    func disconnectAll(reason: DisconnectReason) {
        guard !closed else { return }
        for socket in sockets.all where socket.isConnected {
            socket.sendPacket(SocketPacket(type: .disconnect, namespace: socket.namespace.name))
        }
        close(reason: reason)
    }

    /// Ends the engine session; its sockets disconnect with `reason`.
    func close(reason: DisconnectReason) {
        guard !closed else { return }
        closeReason = reason
        link.close()
        engineClosed(reason: reason)
    }

    /// The engine session closed.
    func engineClosed(reason: DisconnectReason) {
        guard !closed else { return }
        closed = true
        connectTimer?.cancel()
        connectTimer = nil
        attachmentTimer?.cancel()
        attachmentTimer = nil
        decoder.reset()
        let reason = closeReason ?? reason
        for socket in sockets.all {
            socket.didDisconnect(reason: reason)
            // One still in middleware never connected: it lets go of its namespace here.
            socket.releaseNamespace()
        }
        sockets = ClientSockets()
    }
}

import Synchronization

/// Runs server API commands against a Socket.IO server: what a backend in any language can do
/// over HTTP. Cluster-wide when the server's adapter is. Safe from any thread.
public final class ServerAPI: Sendable {
    public let server: SocketServer
    private let store: Mutex<IdempotencyStore>

    public init(server: SocketServer, idempotency: IdempotencyStore = IdempotencyWindow()) {
        self.server = server
        self.store = Mutex(idempotency)
    }

    /// Where idempotency keys are remembered: this process, or the cluster's shared store.
    public var idempotency: IdempotencyStore {
        get { store.withLock { $0 } }
        set { store.withLock { $0 = newValue } }
    }

    public typealias Completion = @Sendable (Result<JSONValue, ServerAPIError>) -> Void

    /// Runs `command`; `completion` gets the JSON answer, once, on any thread.
    public func execute(_ command: ServerAPICommand, now: Int64, completion: @escaping Completion) {
        switch command {
        case .emit(let emit):
            guard let key = emit.idempotencyKey else {
                deliver(emit)
                answerWhenPublished(Self.ok, completion)
                return
            }
            idempotency.claim(key, now: now) { [self] isNew in
                guard isNew else {
                    completion(.success(.object([JSONMember("ok", true), JSONMember("duplicate", true)])))
                    return
                }
                deliver(emit)
                answerWhenPublished(Self.ok, completion)
            }
        case .join(let selection, let rooms):
            let chosen = select(selection)
            for room in rooms { chosen.socketsJoin(room) }
            answerWhenPublished(Self.ok, completion)
        case .leave(let selection, let rooms):
            let chosen = select(selection)
            for room in rooms { chosen.socketsLeave(room) }
            answerWhenPublished(Self.ok, completion)
        case .disconnect(let selection, let closeTransport):
            select(selection).disconnectSockets(closeTransport: closeTransport)
            answerWhenPublished(Self.ok, completion)
        case .sockets(let selection):
            select(selection).fetchSockets { snapshots in
                let sorted = snapshots.sorted { $0.id < $1.id }
                completion(.success(.object([JSONMember("sockets", .array(sorted.map(Self.describe)))])))
            }
        case .rooms(let namespace):
            select(SocketSelection(namespace: namespace)).fetchSockets { snapshots in
                completion(.success(.object([JSONMember("rooms", Self.roomCounts(snapshots))])))
            }
        case .batch(let commands):
            runBatch(commands[...], now: now, results: [], completion: completion)
        }
    }

    static let ok: JSONValue = .object([JSONMember("ok", true)])

    /// Answers once what the command handed to the adapter has reached the other nodes.
    private func answerWhenPublished(_ answer: JSONValue, _ completion: @escaping Completion) {
        server.adapter.whenPublished { completion(.success(answer)) }
    }

    private func deliver(_ emit: EmitCommand) {
        var chosen = select(emit.selection)
        if emit.volatile { chosen = chosen.volatile }
        chosen.emit(emit.event, emit.arguments)
    }

    private func select(_ selection: SocketSelection) -> BroadcastOperator {
        var chosen = server.of(selection.namespace).broadcastAll
        for room in selection.rooms { chosen = chosen.to(room) }
        for room in selection.except { chosen = chosen.except(room) }
        return chosen
    }

    /// Runs commands one after another (each may answer later), collecting one result each.
    private func runBatch(_ remaining: ArraySlice<ServerAPICommand>, now: Int64, results: [JSONValue],
                          completion: @escaping Completion) {
        guard let next = remaining.first else {
            completion(.success(.object([JSONMember("results", .array(results))])))
            return
        }
        execute(next, now: now) { [self] result in
            let item: JSONValue
            switch result {
            case .success(let value): item = value
            case .failure(let error): item = error.json
            }
            runBatch(remaining.dropFirst(), now: now, results: results + [item], completion: completion)
        }
    }

    static func describe(_ socket: SocketSnapshot) -> JSONValue {
        .object([
            JSONMember("id", .string(socket.id)),
            JSONMember("rooms", .array(socket.rooms.filter { $0 != socket.id }.sorted().map { .string($0) })),
            JSONMember("data", .object(socket.data.sorted { $0.key < $1.key }.map { JSONMember($0.key, $0.value) })),
            JSONMember("transport", .string(socket.transportName)),
            JSONMember("address", .string(hostPart(of: socket.handshake.remoteAddress))),
            JSONMember("connectedAt", .number(Double(socket.handshake.issuedAt))),
        ])
    }

    /// "127.0.0.1" of "127.0.0.1:52100", "::1" of "[::1]:52100" (as Socket.IO's
    /// `handshake.address`).
    package static func hostPart(of address: String) -> String {
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<end])
        }
        guard let colon = address.lastIndex(of: ":") else { return address }
        return String(address[..<colon])
    }

    /// Sockets per room, leaving out each socket's own room (its id).
    static func roomCounts(_ snapshots: [SocketSnapshot]) -> JSONValue {
        var counts: [String: Int] = [:]
        for socket in snapshots {
            for room in socket.rooms where room != socket.id { counts[room, default: 0] += 1 }
        }
        return .object(counts.sorted { $0.key < $1.key }.map { JSONMember($0.key, .number(Double($0.value))) })
    }
}

import Synchronization

/// Who may join a room and relay events to it without any backend code: rules per namespace,
/// from the config file's `"namespaces"`:
///
///     {"/": {"rooms": [{"pattern": "chat:*", "join": "token", "publish": "member"}]}}
///
/// The first rule whose pattern matches a room decides. Clients use reserved events, active
/// only in namespaces a rule covers (there apps never see them): `pushd:join` (room),
/// `pushd:leave` (room), `pushd:publish` (room, event, args…), each acknowledged with
/// `{"ok":true}` or `{"error":"not allowed"}`.
public struct RoomRule: Sendable, Equatable {
    /// Who may join a matching room.
    public enum Join: String, Sendable, CaseIterable {
        /// Any client.
        case any
        /// A client whose token's `allow` patterns cover the room's name.
        case token
        /// Nobody by itself (the server or the API may still put sockets there).
        case none
    }

    /// Who may relay an event to a matching room.
    public enum Publish: String, Sendable, CaseIterable {
        /// Sockets in the room.
        case member
        /// Nobody.
        case none
    }

    public var pattern: GlobPattern
    public var join: Join
    public var publish: Publish

    public init(pattern: GlobPattern, join: Join, publish: Publish) {
        self.pattern = pattern
        self.join = join
        self.publish = publish
    }
}

/// A config file's room rules that cannot be used, with where.
public struct RoomRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// Room rules of every namespace, and the reserved events that use them.
public final class RoomRules: Sendable {
    /// Rules by namespace pattern, in file order.
    public let namespaces: [(pattern: GlobPattern, rooms: [RoomRule])]
    private let refusedCount = Atomic<Int>(0)

    public static let joinEvent = "pushd:join"
    public static let leaveEvent = "pushd:leave"
    public static let publishEvent = "pushd:publish"

    public init(_ namespaces: [(pattern: GlobPattern, rooms: [RoomRule])]) {
        self.namespaces = namespaces
    }

    /// Reads `{"/ns": {"rooms": [{"pattern","join","publish"}, ...]}, ...}`.
    public convenience init(json: JSONValue) throws(RoomRulesError) {
        guard case .object(let members) = json else { throw RoomRulesError(description: "\"namespaces\" must be an object") }
        var namespaces: [(GlobPattern, [RoomRule])] = []
        for member in members {
            let place = "namespaces[\"\(member.key)\"]"
            guard member.key.hasPrefix("/") else { throw RoomRulesError(description: "\(place): a namespace starts with \"/\"") }
            guard case .object(let fields) = member.value, fields.allSatisfy({ $0.key == "rooms" }),
                  case .array(let items)? = member.value["rooms"] else {
                throw RoomRulesError(description: "\(place) must be {\"rooms\": [...]}")
            }
            var rules: [RoomRule] = []
            for (index, item) in items.enumerated() {
                rules.append(try Self.rule(item, place: "\(place).rooms[\(index)]"))
            }
            namespaces.append((GlobPattern(member.key), rules))
        }
        self.init(namespaces)
    }

    private static func rule(_ item: JSONValue, place: String) throws(RoomRulesError) -> RoomRule {
        guard case .object(let fields) = item else { throw RoomRulesError(description: "\(place) must be an object") }
        if let unknown = fields.first(where: { !["pattern", "join", "publish"].contains($0.key) }) {
            throw RoomRulesError(description: "\(place): unknown field \"\(unknown.key)\" (pattern, join, publish)")
        }
        guard let pattern = item["pattern"]?.stringValue, !pattern.isEmpty else {
            throw RoomRulesError(description: "\(place).pattern must be a non-empty string")
        }
        let join = item["join"]?.stringValue ?? RoomRule.Join.none.rawValue
        guard let joinPolicy = RoomRule.Join(rawValue: join) else {
            throw RoomRulesError(description: "\(place).join must be any, token or none, not \"\(join)\"")
        }
        let publish = item["publish"]?.stringValue ?? RoomRule.Publish.none.rawValue
        guard let publishPolicy = RoomRule.Publish(rawValue: publish) else {
            throw RoomRulesError(description: "\(place).publish must be member or none, not \"\(publish)\"")
        }
        return RoomRule(pattern: GlobPattern(pattern), join: joinPolicy, publish: publishPolicy)
    }

    /// Requests refused so far.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// The rules of `namespace`, nil when no rule covers it.
    public func rules(for namespace: String) -> [RoomRule]? {
        namespaces.first { $0.pattern.matches(namespace) }?.rooms
    }

    /// The rule that decides for `room`, if any.
    public func rule(namespace: String, room: String) -> RoomRule? {
        rules(for: namespace)?.first { $0.pattern.matches(room) }
    }

    /// Whether a client with `allow` patterns (its token's) may join `room`.
    public func mayJoin(namespace: String, room: String, allow: [GlobPattern]) -> Bool {
        switch rule(namespace: namespace, room: room)?.join {
        case .any?: true
        case .token?: allow.contains { $0.matches(room) }
        case .none?, nil: false
        }
    }

    /// Whether a client may relay events to `room`.
    public func mayPublish(namespace: String, room: String, isMember: Bool) -> Bool {
        rule(namespace: namespace, room: room)?.publish == .member && isMember
    }

    /// Answers the reserved events in namespaces a rule covers. Configure before start.
    public func install(on server: SocketServer) {
        server.interceptEvents { [self] socket, event, arguments, ack in
            guard event.hasPrefix("pushd:"), event != ConnectionTokens.refreshEvent,
                  rules(for: socket.namespace.name) != nil else { return false }
            let allowed = handle(socket, event, arguments)
            if !allowed { refusedCount.add(1, ordering: .relaxed) }
            ack?.send([allowed ? ["ok": true] : ["error": "not allowed"]])
            return true
        }
    }

    private func handle(_ socket: Socket, _ event: String, _ arguments: [JSONValue]) -> Bool {
        guard case .string(let room)? = arguments.first, !room.isEmpty else { return false }
        let namespace = socket.namespace.name
        switch event {
        case Self.joinEvent:
            guard mayJoin(namespace: namespace, room: room, allow: socket.access?.allow ?? []) else { return false }
            socket.join(room)
            return true
        case Self.leaveEvent:
            guard rule(namespace: namespace, room: room) != nil, room != socket.id, socket.rooms.contains(room) else { return false }
            socket.leave(room)
            return true
        case Self.publishEvent:
            guard arguments.count >= 2, case .string(let name) = arguments[1], !name.isEmpty, !name.hasPrefix("pushd:"),
                  !SocketPacketDecoder.reservedEventNames.contains(name),
                  mayPublish(namespace: namespace, room: room, isMember: socket.rooms.contains(room)) else { return false }
            socket.to(room).emit(name, Array(arguments.dropFirst(2)))
            return true
        default:
            return false
        }
    }
}

/// Which sockets of a namespace a command acts on: Socket.IO's `in(...)`/`except(...)`.
/// Socket ids count as rooms (every socket is in the room named by its id). Empty `rooms`
/// means every socket of the namespace.
public struct SocketSelection: Sendable, Equatable {
    public var namespace: String
    public var rooms: Set<String>
    public var except: Set<String>

    public init(namespace: String = "/", rooms: Set<String> = [], except: Set<String> = []) {
        self.namespace = namespace
        self.rooms = rooms
        self.except = except
    }
}

/// An event to emit to the selected sockets.
public struct EmitCommand: Sendable, Equatable {
    public var selection: SocketSelection
    public var event: String
    /// Arguments after the event name; `{"$binary":"<base64>"}` became `.binary`.
    public var arguments: [JSONValue]
    public var volatile: Bool
    /// A second emit with the same key inside the idempotency window delivers nothing.
    public var idempotencyKey: String?
}

/// One call of the server API, decoded and checked.
public indirect enum ServerAPICommand: Sendable, Equatable {
    case emit(EmitCommand)
    case join(SocketSelection, rooms: [String])
    case leave(SocketSelection, rooms: [String])
    case disconnect(SocketSelection, closeTransport: Bool)
    case sockets(SocketSelection)
    case rooms(namespace: String)
    /// Commands run in order, one result each.
    case batch([ServerAPICommand])

    /// The method names, as in `POST <api-path><method>`.
    public static let methods = ["emit", "join", "leave", "disconnect", "sockets", "rooms", "batch"]
}

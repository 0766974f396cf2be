/// A frozen copy of a socket's state, as `fetchSockets` returns it from any loop.
public struct SocketSnapshot: Sendable {
    public let id: String
    public let namespace: String
    public let rooms: Set<String>
    public let handshake: SocketHandshake
    public let data: [String: JSONValue]
    public let transportName: String
}

/// Chooses sockets of a namespace by room, and acts on all of them, on every loop.
/// `server.to("a").to("b").except("c").emit(...)`. Safe from any thread.
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    public private(set) var rooms: Set<String> = []
    public private(set) var exceptRooms: Set<String> = []
    public private(set) var isVolatile = false

    init(namespace: Namespace) {
        self.namespace = namespace
    }

    /// Adds a room (sockets in any of the rooms are chosen).
    public func to(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.rooms.insert(room)
        return copy
    }

    /// Same as `to`.
    public func `in`(_ room: String) -> BroadcastOperator { to(room) }

    /// Leaves out sockets in `room` (a socket id leaves out that socket).
    public func except(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.exceptRooms.insert(room)
        return copy
    }

    /// Lets the packets be dropped for clients that are behind.
    public var volatile: BroadcastOperator {
        var copy = self
        copy.isVolatile = true
        return copy
    }

    /// Sends an event to every chosen socket.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        emit(event, arguments)
    }

    /// Sends an event to every chosen socket. The packet is encoded once; each loop wraps it
    /// once and hands the same bytes to each of its recipients. With recovery on, a broadcast
    /// that is not volatile gets one offset, spliced into the encoded packet once.
    public func emit(_ event: String, _ arguments: [JSONValue]) {
        let wire = SocketWire(SocketPacket(type: .event, namespace: namespace.name, data: .array([.string(event)] + arguments)))
        if !isVolatile, let recovery = namespace.server.recovery {
            recovery.broadcast(wire, namespace: namespace, rooms: rooms, except: exceptRooms)
        } else {
            namespace.server.adapter.broadcast(wire, namespace: namespace, rooms: rooms, except: exceptRooms, volatile: isVolatile)
        }
    }

    /// Snapshots of the chosen sockets from every loop (and node), delivered once to `completion`
    /// on an arbitrary thread.
    public func fetchSockets(_ completion: @escaping @Sendable ([SocketSnapshot]) -> Void) {
        namespace.server.adapter.fetchSockets(namespace: namespace, rooms: rooms, except: exceptRooms, completion: completion)
    }

    /// Makes the chosen sockets join `room`.
    public func socketsJoin(_ room: String) {
        namespace.server.adapter.apply(.join(room), namespace: namespace, rooms: rooms, except: exceptRooms)
    }

    /// Makes the chosen sockets leave `room`.
    public func socketsLeave(_ room: String) {
        namespace.server.adapter.apply(.leave(room), namespace: namespace, rooms: rooms, except: exceptRooms)
    }

    /// Disconnects the chosen sockets; `closeTransport` ends their engine sessions too.
    public func disconnectSockets(closeTransport: Bool = false) {
        namespace.server.adapter.apply(.disconnect(closeTransport: closeTransport), namespace: namespace, rooms: rooms, except: exceptRooms)
    }
}

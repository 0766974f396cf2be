import Synchronization

/// What a broadcast operator can do to the sockets it chose.
public enum SocketOperation: Sendable {
    case join(String)
    case leave(String)
    case disconnect(closeTransport: Bool)
}

/// How broadcasts reach sockets. The in-memory adapter reaches this process's loops; a
/// clustered adapter also reaches other nodes.
public protocol SocketAdapter: AnyObject, Sendable {
    func broadcast(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>, volatile: Bool)
    func fetchSockets(namespace: Namespace, rooms: Set<String>, except: Set<String>,
                      completion: @escaping @Sendable ([SocketSnapshot]) -> Void)
    func apply(_ operation: SocketOperation, namespace: Namespace, rooms: Set<String>, except: Set<String>)
    /// Sends an event to the other nodes' `onServerSideEmit` handlers; `completion` gets each
    /// node's acknowledgement (none without a cluster).
    func serverSideEmit(_ event: String, _ arguments: [JSONValue], server: SocketServer,
                        completion: (@Sendable ([[JSONValue]]) -> Void)?)
    /// Calls `completion` once everything the calling thread handed to this adapter so far has
    /// left for the other nodes (at once without a cluster).
    func whenPublished(_ completion: @escaping @Sendable () -> Void)
    /// Hands a recoverable broadcast (no offset) to the other nodes only: each node's recovery
    /// logs it and delivers it itself, in its own offset order. `origin` and `sequence` number it
    /// among the sending node's events; calls come in that order (under the log's lock) and must
    /// leave in it.
    func publishRemote(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>,
                       origin: String, sequence: UInt64)
}

extension SocketAdapter {
    public func whenPublished(_ completion: @escaping @Sendable () -> Void) { completion() }
    public func publishRemote(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>,
                              origin: String, sequence: UInt64) {}
}

/// Broadcasts within this process: one task per loop, each wrapping the encoded packet once
/// and handing the same bytes to every recipient on that loop.
public final class InMemoryAdapter: SocketAdapter {
    public init() {}

    public func broadcast(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>, volatile: Bool) {
        for executor in namespace.server.executors {
            executor.run {
                Self.deliver(wire, namespace: namespace, onLoop: executor.index, rooms: rooms, except: except, volatile: volatile)
            }
        }
    }

    /// Hands a broadcast to its recipients on loop `index` (that loop's thread).
    static func deliver(_ wire: SocketWire, namespace: Namespace, onLoop index: Int, rooms: Set<String>, except: Set<String>,
                        volatile: Bool) {
        // Wrapped for this loop once, when the first recipient is found.
        var packets: [OutboundPacket] = []
        namespace.forEachRecipient(onLoop: index, rooms: rooms, except: except) { socket in
            if packets.isEmpty { packets = wire.outbound(volatile: volatile) }
            let link = socket.client.link
            // Indexed: an iterator hands out counted copies.
            for position in packets.indices { link.send(packets[position]) }
        }
    }

    public func fetchSockets(namespace: Namespace, rooms: Set<String>, except: Set<String>,
                             completion: @escaping @Sendable ([SocketSnapshot]) -> Void) {
        let gather = Gather(expected: namespace.server.executors.count, completion: completion)
        for executor in namespace.server.executors {
            executor.run {
                let snapshots = namespace.recipients(onLoop: executor.index, rooms: rooms, except: except).map { socket in
                    SocketSnapshot(id: socket.id, namespace: namespace.name, rooms: socket.rooms, handshake: socket.handshake,
                                   data: socket.data, transportName: socket.transportName)
                }
                gather.add(snapshots)
            }
        }
    }

    public func serverSideEmit(_ event: String, _ arguments: [JSONValue], server: SocketServer,
                               completion: (@Sendable ([[JSONValue]]) -> Void)?) {
        // Alone there is nobody else to tell.
        completion?([])
    }

    public func apply(_ operation: SocketOperation, namespace: Namespace, rooms: Set<String>, except: Set<String>) {
        for executor in namespace.server.executors {
            executor.run {
                for socket in namespace.recipients(onLoop: executor.index, rooms: rooms, except: except) {
                    switch operation {
                    case .join(let room): socket.join(room)
                    case .leave(let room): socket.leave(room)
                    case .disconnect(let close): socket.disconnect(closeTransport: close)
                    }
                }
            }
        }
    }
}

/// Collects one answer per loop, then calls back once.
final class Gather: Sendable {
    private let state: Mutex<(remaining: Int, items: [SocketSnapshot])>
    private let completion: @Sendable ([SocketSnapshot]) -> Void

    init(expected: Int, completion: @escaping @Sendable ([SocketSnapshot]) -> Void) {
        state = Mutex((expected, []))
        self.completion = completion
    }

    func add(_ items: [SocketSnapshot]) {
        let done = state.withLock { state -> [SocketSnapshot]? in
            state.items += items
            state.remaining -= 1
            return state.remaining == 0 ? state.items : nil
        }
        if let done { completion(done) }
    }
}

/// Answers one event that asked for an acknowledgement. Calling it more than once sends once.
public final class Acknowledgement: @unchecked Sendable {
    /// Strong: answering after a disconnect sends nothing anyway, and an object that is ever
    /// referenced weakly pays for it on every retain.
    private let socket: Socket
    private let id: UInt64
    /// Unchecked exclusivity, as the socket's state: set on the socket's loop.
    @exclusivity(unchecked) public private(set) var isSent = false

    init(socket: Socket, id: UInt64) {
        self.socket = socket
        self.id = id
    }

    /// Sends the answer with these arguments.
    public func callAsFunction(_ arguments: JSONValue...) {
        send(arguments)
    }

    /// Sends the answer with these arguments.
    public func send(_ arguments: [JSONValue]) {
        guard !isSent else { return }
        isSent = true
        // On the socket's loop (a handler answering at once) it goes now, without a closure.
        let executor = socket.client.link.executor
        if executor.inEventLoop {
            answer(arguments)
        } else {
            executor.execute { self.answer(arguments) }
        }
    }

    private func answer(_ arguments: [JSONValue]) {
        guard socket.isConnected else { return }
        socket.sendPacket(SocketPacket(type: .ack, namespace: socket.namespace.name, data: .array(arguments), ackId: id))
    }

    /// Sends one Encodable value as the answer.
    public func send<T: Encodable>(encoding value: T) throws {
        send([try JSONValueEncoder().encode(value)])
    }
}

/// Acknowledgements a socket waits for, by id.
struct PendingAcks {
    private var nextID: UInt64 = 0
    private var waiting: [UInt64: (callback: (Result<[JSONValue], AckError>) -> Void, timer: SocketTimer?)] = [:]

    mutating func register(_ callback: @escaping (Result<[JSONValue], AckError>) -> Void) -> UInt64 {
        let id = nextID
        nextID &+= 1
        waiting[id] = (callback, nil)
        return id
    }

    mutating func setTimer(_ timer: SocketTimer, for id: UInt64) {
        waiting[id]?.timer = timer
    }

    mutating func resolve(_ id: UInt64, _ result: Result<[JSONValue], AckError>) {
        guard let entry = waiting.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        entry.callback(result)
    }

    mutating func failAll() {
        let entries = waiting
        waiting = [:]
        for (_, entry) in entries {
            entry.timer?.cancel()
            entry.callback(.failure(.disconnected))
        }
    }
}

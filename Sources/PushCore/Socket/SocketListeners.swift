/// A socket's own handlers. Made when the first one is added: sockets served by their
/// namespace's shared handlers (`Namespace.onEvent`) carry one empty reference instead.
final class SocketListeners {
    var events = EventNameTable<Socket.EventEntry>()
    var any: [(id: Int, handler: (String, [JSONValue]) -> Void)] = []
    var nextID = 0
    var disconnecting: [(DisconnectReason) -> Void] = []
    var disconnect: [(DisconnectReason) -> Void] = []
    var upgrade: [(String) -> Void] = []
}

extension Socket {
    /// The listeners, made now if the socket had none.
    private var madeListeners: SocketListeners {
        if let listeners { return listeners }
        let made = SocketListeners()
        listeners = made
        return made
    }

    /// Sets a list of listeners; emptying one never makes the listeners.
    private func setListeners<Value: Collection>(_ field: ReferenceWritableKeyPath<SocketListeners, Value>, _ value: Value) {
        if listeners != nil || !value.isEmpty { madeListeners[keyPath: field] = value }
    }

    var handlers: EventNameTable<EventEntry> {
        get { listeners?.events ?? EventNameTable() }
        set { if listeners != nil || !newValue.isEmpty { madeListeners.events = newValue } }
    }

    var anyHandlers: [(id: Int, handler: (String, [JSONValue]) -> Void)] {
        get { listeners?.any ?? [] }
        set { setListeners(\.any, newValue) }
    }

    var nextHandlerID: Int {
        get { listeners?.nextID ?? 0 }
        set { madeListeners.nextID = newValue }
    }

    var disconnectingHandlers: [(DisconnectReason) -> Void] {
        get { listeners?.disconnecting ?? [] }
        set { setListeners(\.disconnecting, newValue) }
    }

    var disconnectHandlers: [(DisconnectReason) -> Void] {
        get { listeners?.disconnect ?? [] }
        set { setListeners(\.disconnect, newValue) }
    }

    var upgradeHandlers: [(String) -> Void] {
        get { listeners?.upgrade ?? [] }
        set { setListeners(\.upgrade, newValue) }
    }
}

import Synchronization

/// Socket.IO server settings.
public struct SocketServerConfiguration: Sendable {
    /// Time a client has to connect a namespace after its engine session opens.
    public var connectTimeout: Int64 = 45_000
    /// Binary attachments one packet may claim.
    public var maxAttachments = 10
    /// Nesting depth of event payloads.
    public var maxJSONDepth = 32
    /// Milliseconds a binary packet may wait for its attachments; past it the session is
    /// closed (a client that announces attachments and never sends them holds memory).
    public var attachmentTimeout: Int64 = 30_000
    /// Free a namespace made by `of(matching:)` once its last socket leaves (Socket.IO's
    /// `cleanupEmptyChildNamespaces`), so distinct names cost nothing after use.
    public var cleanupEmptyNamespaces = true
    /// Namespaces that may exist at once; a CONNECT that would make one more gets a connect error.
    public var maxNamespaces = 10_000
    /// Connection state recovery (off by default, as in Socket.IO).
    public var recovery = RecoveryConfiguration()

    public init() {}
}

/// The Socket.IO server: namespaces, the sockets connected to them, and the glue from engine
/// sessions. Thread-safe for broadcasts; sockets live on their sessions' loops.
public final class SocketServer: @unchecked Sendable {
    public let configuration: SocketServerConfiguration
    let executors: [SocketExecutor]
    private var namespaces: [String: Namespace] = [:]
    private var serverSideHandlers: [String: ServerSideHandler] = [:]
    private var dynamic: [(matches: @Sendable (String) -> Bool, configure: (Namespace) -> Void)] = []
    /// Middleware every namespace runs before its own (tokens, the connect hook). Set before start.
    private(set) var serverMiddlewares: [Middleware] = []
    /// The ones of them that also run when a socket is recovered without middleware (tokens).
    private(set) var recoveryMiddlewares: [Middleware] = []
    /// Logs recoverable events and brings sockets back (nil with recovery off).
    public let recovery: ConnectionRecovery?
    /// Sees client events before the socket's handlers (room rules, the event hook). Set before
    /// start and read by every event, so no runtime exclusivity check.
    @exclusivity(unchecked) private(set) var eventInterceptors: [EventInterceptor] = []
    /// Their number, read without taking the array (which would count a reference to it).
    var eventInterceptorCount: Int { eventInterceptors.count }
    /// Told of every socket's connection, rooms and disconnection. Set before start.
    private(set) var observers: [SocketObserver] = []
    private let namespaceLock = NamespaceLock()
    /// How broadcasts reach sockets (in memory unless clustered).
    public var adapter: SocketAdapter = InMemoryAdapter()
    /// Where debug lines go (the daemon points this at its log).
    public var logger: @Sendable (String) -> Void = { _ in }

    /// - Parameters:
    ///   - executors: every event loop that hosts sessions, by index.
    ///   - clock: monotonic milliseconds, for the recovery window.
    ///   - recoveryStore: where recovery keeps its log and snapshots (this process's memory
    ///     unless given).
    public init(configuration: SocketServerConfiguration = .init(), executors: [SocketExecutor],
                clock: @escaping @Sendable () -> Int64 = { 0 }, recoveryStore: RecoveryStore? = nil) {
        self.configuration = configuration
        self.executors = executors
        if configuration.recovery.isEnabled {
            let store = recoveryStore ?? InMemoryRecoveryStore(tag: String(SessionID.make().prefix(10)),
                                                               configuration: configuration.recovery)
            recovery = ConnectionRecovery(configuration: configuration.recovery, store: store, loops: executors.count, clock: clock)
        } else {
            recovery = nil
        }
        namespaces["/"] = Namespace(name: "/", server: self, isDynamic: false)
    }

    func log(_ line: String) { logger(line) }

    // MARK: Namespaces

    /// The main namespace, "/".
    public var sockets: Namespace { of("/") }

    /// The namespace with this name, made on first use.
    public func of(_ name: String) -> Namespace {
        let key = name.hasPrefix("/") ? name : "/" + name
        return namespaceLock.withLock {
            if let existing = namespaces[key] { return existing }
            let created = Namespace(name: key, server: self, isDynamic: false)
            namespaces[key] = created
            return created
        }
    }

    /// Namespaces that exist now.
    public var namespaceCount: Int { namespaceLock.withLock { namespaces.count } }

    /// Namespaces made on demand when a client asks for a name `matches` accepts; `configure`
    /// sets each one up (middleware, connection handlers) when it is made.
    public func of(matching matches: @escaping @Sendable (String) -> Bool, configure: @escaping (Namespace) -> Void) {
        namespaceLock.withLock { dynamic.append((matches, configure)) }
    }

    /// What a CONNECT finds under a name.
    enum NamespaceLookup {
        /// The namespace, held for the socket until `release` (made now if a rule matched).
        case found(Namespace)
        /// Neither a namespace nor a rule for this name.
        case unknown
        /// A rule matched, but `maxNamespaces` exist already.
        case full
    }

    /// The namespace a CONNECT asks for, made on demand by a matching rule, and held for the
    /// connecting socket: a dynamic namespace lives while any socket holds it.
    func reserveNamespace(named name: String) -> NamespaceLookup {
        let (found, configure) = namespaceLock.withLock { () -> (NamespaceLookup, ((Namespace) -> Void)?) in
            if let existing = namespaces[name] {
                existing.holders += 1
                return (.found(existing), nil)
            }
            guard let rule = dynamic.first(where: { $0.matches(name) }) else { return (.unknown, nil) }
            guard namespaces.count < configuration.maxNamespaces else { return (.full, nil) }
            let created = Namespace(name: name, server: self, isDynamic: true)
            created.holders = 1
            namespaces[name] = created
            return (.found(created), rule.configure)
        }
        if case .found(let namespace) = found, let configure { configure(namespace) }
        return found
    }

    /// A socket that held `namespace` left it (or never got in); the last one out frees a
    /// dynamic namespace when cleanup is on.
    func release(_ namespace: Namespace) {
        let freed = namespaceLock.withLock { () -> Bool in
            namespace.holders -= 1
            guard namespace.holders == 0, namespace.isDynamic, configuration.cleanupEmptyNamespaces,
                  namespaces[namespace.name] === namespace else { return false }
            namespaces[namespace.name] = nil
            // The map never shrinks by itself: give its table back once a crowd of names has gone.
            if namespaces.count * 4 < namespaces.capacity && namespaces.capacity > 1024 {
                namespaces = Dictionary(uniqueKeysWithValues: namespaces.map { ($0.key, $0.value) })
            }
            return true
        }
        // Nobody can reach it any more; its handlers often capture it, so let them go.
        if freed { namespace.retire() }
    }

    /// A middleware step: call the continuation once, with a refusal or nil, from any thread.
    public typealias Middleware = (Socket, @escaping (ConnectionRefused?) -> Void) -> Void

    /// Adds middleware that runs for a CONNECT to any namespace, before the namespace's own
    /// middleware (pushd's token check and connect hook sit here). Configure before start.
    /// `alsoOnRecovery`: it runs for a recovered socket too, even when recovery skips middleware
    /// (a check that must hold every time, such as the connection token's).
    public func useOnEveryNamespace(alsoOnRecovery: Bool = false, _ middleware: @escaping Middleware) {
        serverMiddlewares.append(middleware)
        if alsoOnRecovery { recoveryMiddlewares.append(middleware) }
    }

    /// Sees a client event before the socket's own handlers; returns true when it took the event
    /// (the socket's handlers and `onAny` then never see it). Socket's loop.
    public typealias EventInterceptor = (Socket, String, [JSONValue], Acknowledgement?) -> Bool

    /// Adds an event interceptor (pushd's room rules and event hook). Configure before start.
    public func interceptEvents(_ interceptor: @escaping EventInterceptor) {
        eventInterceptors.append(interceptor)
    }

    /// Adds an observer of every socket's lifecycle. Configure before start.
    public func observe(_ observer: SocketObserver) {
        observers.append(observer)
    }

    // MARK: The main namespace's shortcuts

    public func use(_ middleware: @escaping (Socket) throws(ConnectionRefused) -> Void) { sockets.use(middleware) }
    public func use(_ middleware: @escaping (Socket, @escaping (ConnectionRefused?) -> Void) -> Void) { sockets.use(middleware) }
    public func onConnection(_ handler: @escaping (Socket) -> Void) { sockets.onConnection(handler) }
    public func onEvent(_ event: String, _ handler: @escaping Namespace.SharedEventHandler) { sockets.onEvent(event, handler) }
    public func to(_ room: String) -> BroadcastOperator { sockets.to(room) }
    public func `in`(_ room: String) -> BroadcastOperator { sockets.to(room) }
    public func except(_ room: String) -> BroadcastOperator { sockets.except(room) }
    public var volatile: BroadcastOperator { sockets.volatile }
    public func emit(_ event: String, _ arguments: JSONValue...) { sockets.broadcastAll.emit(event, arguments) }

    // MARK: Between servers

    /// Answers an event another node sent with `serverSideEmit`; call `reply` (once) to
    /// acknowledge it.
    public typealias ServerSideHandler = @Sendable ([JSONValue], @escaping @Sendable ([JSONValue]) -> Void) -> Void

    /// Handles `event` from other nodes. Configure before start.
    public func onServerSideEmit(_ event: String, _ handler: @escaping ServerSideHandler) {
        namespaceLock.withLock { serverSideHandlers[event] = handler }
    }

    /// Sends an event to every other node; `completion` gets their acknowledgements (an empty
    /// list when running alone).
    public func serverSideEmit(_ event: String, _ arguments: JSONValue...,
                               completion: (@Sendable ([[JSONValue]]) -> Void)? = nil) {
        serverSideEmit(event, arguments, completion: completion)
    }

    /// `serverSideEmit` with an argument list.
    public func serverSideEmit(_ event: String, _ arguments: [JSONValue],
                               completion: (@Sendable ([[JSONValue]]) -> Void)? = nil) {
        adapter.serverSideEmit(event, arguments, server: self, completion: completion)
    }

    /// Runs the handler for an event from another node.
    public func receiveServerSideEmit(_ event: String, _ arguments: [JSONValue], reply: @escaping @Sendable ([JSONValue]) -> Void) {
        guard let handler = namespaceLock.withLock({ serverSideHandlers[event] }) else {
            reply([])
            return
        }
        handler(arguments, reply)
    }

    /// The namespace if it exists (no dynamic creation), for messages from other nodes.
    public func existingNamespace(_ name: String) -> Namespace? {
        namespaceLock.withLock { namespaces[name] }
    }

    // MARK: Engine glue (session's loop)

    /// A new engine session; returns its client state, to hand back with its packets.
    public func engineOpened(_ link: EngineLink) -> AnyObject {
        let client = SocketClient(link: link, server: self)
        client.start()
        return client
    }

    /// A message on an engine session opened with `engineOpened`.
    public func engineReceived(_ packet: EnginePacket, client: AnyObject) {
        (client as? SocketClient)?.receive(packet)
    }

    /// A text message on an engine session, its bytes lent for the call.
    public func engineReceived(text: UnsafeRawBufferPointer, client: AnyObject) {
        (client as? SocketClient)?.receive(text: text)
    }

    /// The engine session moved to another transport.
    public func engineUpgraded(client: AnyObject) {
        (client as? SocketClient)?.upgraded()
    }

    /// Bytes the session's client holds in partial packets (attachments still being collected).
    public func heldBytes(client: AnyObject) -> Int {
        (client as? SocketClient)?.heldBytes ?? 0
    }

    /// The engine session closed.
    public func engineClosed(client: AnyObject, reason: DisconnectReason) {
        (client as? SocketClient)?.engineClosed(reason: reason)
    }
}

/// A lock for the namespace map; never held across a callback.
final class NamespaceLock: Sendable {
    private let mutex = Mutex<Void>(())
    func withLock<T>(_ body: () -> T) -> T {
        mutex.withLock { _ in
            nonisolated(unsafe) let result = body()
            return result
        }
    }
}

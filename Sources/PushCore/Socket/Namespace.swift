/// A Socket.IO namespace: its middleware, its connection handlers, and its sockets and rooms,
/// kept per event loop so each loop touches only its own.
public final class Namespace: @unchecked Sendable {
    public let name: String
    /// Unowned and unchecked: the server holds its namespaces and outlives them, and every
    /// event reads it from every loop, where a checked reference would count it each time,
    /// a write to one cache line that all the loops share.
    unowned(unsafe) let server: SocketServer
    /// Made by a rule of `of(matching:)`, so freed when empty (if the server cleans up).
    let isDynamic: Bool
    /// Sockets connected or connecting to the namespace; guarded by the server's namespace lock.
    var holders = 0
    /// Index: executor index. Each entry is touched only on its loop.
    let loops: [LoopState]
    private var middlewares: [(Socket, @escaping (ConnectionRefused?) -> Void) -> Void] = []
    private var connectionHandlers: [(Socket) -> Void] = []
    /// Event handlers shared by every socket of the namespace, by event name. Set before start
    /// and read by every loop, so no runtime exclusivity check; each loop calls its own copy.
    @exclusivity(unchecked) private var eventHandlers = EventNameTable<SharedEventHandler>()
    /// Counts changes to `eventHandlers`, so a loop knows when its copy is out of date.
    @exclusivity(unchecked) private var eventHandlersVersion = 0

    /// Handles an event of any socket of the namespace: the socket, the arguments, and an
    /// acknowledgement when the client asked for one.
    public typealias SharedEventHandler = (Socket, [JSONValue], Acknowledgement?) -> Void

    /// One loop's sockets and rooms in this namespace.
    final class LoopState {
        var sockets: [String: Socket] = [:]
        /// Rooms joined by name; each socket's own room is implied by `sockets`.
        var rooms: [String: Set<String>] = [:]
        /// This loop's copy of the shared event handlers, made on this loop, each handler in a
        /// closure of its own: an event counts references to these only, never to the table
        /// or the handlers' contexts that every loop reads (such a count is a write to a cache
        /// line the loops share).
        var eventHandlers = EventNameTable<SharedEventHandler>()
        /// The namespace's `eventHandlersVersion` this copy was made at.
        var eventHandlersVersion = -1
        /// This loop's copy of the server's event interceptors, made the same way; the server's
        /// list only grows, so its length says whether the copy is whole.
        var interceptors: [SocketServer.EventInterceptor] = []
        var interceptorsCopied = 0
        /// A namespace made while the loops run (a dynamic one) has its loops' states made in
        /// a row on one thread, where `makeLocal` cannot place them: the pad keeps each off
        /// the next one's lines.
        private let pad = CacheLinePad()

        /// Adds the ids of the sockets in `room`: those that joined it by name, and the socket
        /// it is the id of unless that one left it.
        func addMembers(of room: String, to ids: inout Set<String>) {
            if let members = rooms[room] { ids.formUnion(members) }
            if let owner = sockets[room], owner.rooms.contains(room) { ids.insert(room) }
        }

        /// Calls `body` with each socket in `room`, found without gathering their ids first.
        /// Nobody joins their own room by name (`join`), so the owner is never also among the
        /// named members.
        func forEachSocket(in room: String, _ body: (Socket) -> Void) {
            if let members = rooms[room] {
                for id in members { if let socket = sockets[id] { body(socket) } }
            }
            if let owner = sockets[room], owner.rooms.contains(room) { body(owner) }
        }
    }

    init(name: String, server: SocketServer, isDynamic: Bool) {
        self.name = name
        self.server = server
        self.isDynamic = isDynamic
        self.loops = server.executors.map { $0.makeLocal { LoopState() } }
    }

    // MARK: Configuration (before the server starts)

    /// Adds middleware that may refuse a connection by throwing `ConnectionRefused`.
    public func use(_ middleware: @escaping (Socket) throws(ConnectionRefused) -> Void) {
        middlewares.append { socket, next in
            do throws(ConnectionRefused) {
                try middleware(socket)
                next(nil)
            } catch {
                next(error)
            }
        }
    }

    /// Adds middleware that answers later: call `next(nil)` to accept, `next(refusal)` to refuse.
    public func use(_ middleware: @escaping (Socket, @escaping (ConnectionRefused?) -> Void) -> Void) {
        middlewares.append(middleware)
    }

    /// Runs for every socket that connects to this namespace, on the socket's loop.
    public func onConnection(_ handler: @escaping (Socket) -> Void) {
        connectionHandlers.append(handler)
    }

    /// Handles `event` for every socket of this namespace, after the socket's own handlers, on
    /// the socket's loop. One handler for all sockets: what `socket.on` in `onConnection` would
    /// cost per socket (a handler table and closures), kept once.
    public func onEvent(_ event: String, _ handler: @escaping SharedEventHandler) {
        eventHandlers.add(handler, for: event)
        eventHandlersVersion += 1
    }

    /// The shared handlers of `event` as the loop `index` holds them (configured before start,
    /// so read without a lock; copied again should one be added later).
    func sharedHandlers(for event: String, onLoop index: Int) -> [SharedEventHandler] {
        withLoopState(index) { state in
            if state.eventHandlersVersion != eventHandlersVersion {
                state.eventHandlers = eventHandlers.copied { handler in { handler($0, $1, $2) } }
                state.eventHandlersVersion = eventHandlersVersion
            }
            return state.eventHandlers.handlers(for: event) ?? []
        }
    }

    /// The server's event interceptors as the loop `index` holds them, copied as the shared
    /// handlers are.
    func eventInterceptors(onLoop index: Int) -> [SocketServer.EventInterceptor] {
        withLoopState(index) { state in
            if state.interceptorsCopied != server.eventInterceptorCount {
                state.interceptors = server.eventInterceptors.map { interceptor in { interceptor($0, $1, $2, $3) } }
                state.interceptorsCopied = state.interceptors.count
            }
            return state.interceptors
        }
    }

    /// The loop's state, uncounted: the loops' states were made one after another and may
    /// share cache lines, where a count would be a write every loop makes.
    private func withLoopState<T>(_ index: Int, _ body: (LoopState) -> T) -> T {
        Unmanaged.passUnretained(loops[index])._withUnsafeGuaranteedRef(body)
    }

    /// Drops the handlers of a dynamic namespace that was freed: handlers that capture their
    /// namespace (`namespace.onConnection { ... namespace.to(room) ... }`) would otherwise
    /// keep it, and what it holds, alive for good.
    func retire() {
        middlewares = []
        connectionHandlers = []
        eventHandlers = EventNameTable()
        eventHandlersVersion += 1
        for state in loops {
            state.eventHandlers = EventNameTable()
            state.interceptors = []
            state.interceptorsCopied = 0
        }
    }

    // MARK: Broadcasting

    /// Every socket of the namespace.
    public var broadcastAll: BroadcastOperator { BroadcastOperator(namespace: self) }

    /// Sockets in `room` (chain more `to` for a union).
    public func to(_ room: String) -> BroadcastOperator { broadcastAll.to(room) }
    /// Same as `to`.
    public func `in`(_ room: String) -> BroadcastOperator { broadcastAll.to(room) }
    /// Every socket except those in `room`.
    public func except(_ room: String) -> BroadcastOperator { broadcastAll.except(room) }
    /// Broadcasts that may be dropped for slow clients.
    public var volatile: BroadcastOperator { broadcastAll.volatile }

    /// Sends an event to every socket of the namespace.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        broadcastAll.emit(event, arguments)
    }

    // MARK: Connecting

    /// Runs middleware in order, then connects `socket` or refuses it. Socket's loop. A recovered
    /// socket may skip it all but the checks that run on recovery too.
    func admit(_ socket: Socket, completion: @escaping (ConnectionRefused?) -> Void) {
        let steps: [(Socket, @escaping (ConnectionRefused?) -> Void) -> Void]
        if socket.recovered && server.configuration.recovery.skipMiddleware {
            steps = server.recoveryMiddlewares
        } else {
            steps = server.serverMiddlewares.isEmpty ? middlewares : server.serverMiddlewares + middlewares
        }
        MiddlewareChain(socket: socket, steps: steps, completion: completion).next(nil)
    }

    func connected(_ socket: Socket) {
        let state = loops[socket.loopIndex]
        state.sockets[socket.id] = socket
        for observer in server.observers { observer.socketConnected(socket) }
        for handler in connectionHandlers { handler(socket) }
    }

    func removed(_ socket: Socket) {
        let state = loops[socket.loopIndex]
        for room in socket.rooms { leave(socket, room) }
        state.sockets[socket.id] = nil
        // Dictionaries never shrink by themselves: give the tables back once a crowd has left.
        if state.sockets.isEmpty && state.sockets.capacity > 256 { state.sockets = [:] }
        if state.rooms.isEmpty && state.rooms.capacity > 256 { state.rooms = [:] }
    }

    /// A socket's own room (its id) is not kept here: `sockets` already says who is in it, and
    /// a set per socket would be most of what an idle socket costs its namespace.
    func join(_ socket: Socket, _ room: String) {
        guard room != socket.id else { return }
        loops[socket.loopIndex].rooms[room, default: []].insert(socket.id)
    }

    func leave(_ socket: Socket, _ room: String) {
        guard room != socket.id else { return }
        let state = loops[socket.loopIndex]
        guard var members = state.rooms[room] else { return }
        members.remove(socket.id)
        if members.count * 4 < members.capacity && members.capacity > 256 { members = Set(members) }
        state.rooms[room] = members.isEmpty ? nil : members
    }

    /// The sockets on loop `index` a broadcast reaches. Loop thread only.
    func recipients(onLoop index: Int, rooms: Set<String>, except: Set<String>) -> [Socket] {
        var found: [Socket] = []
        forEachRecipient(onLoop: index, rooms: rooms, except: except) { found.append($0) }
        return found
    }

    /// Calls `body` with each socket on loop `index` a broadcast reaches, without a list of
    /// them. Loop thread only. The walk is over copies of the tables, so a socket that leaves
    /// during it (a send that closes its session) changes nothing being walked.
    func forEachRecipient(onLoop index: Int, rooms: Set<String>, except: Set<String>, _ body: (Socket) -> Void) {
        let state = loops[index]
        // The common broadcasts, to everyone or to one room with nobody excepted, hash
        // nothing per recipient but a member's id.
        if except.isEmpty {
            if rooms.isEmpty {
                for socket in state.sockets.values { body(socket) }
                return
            }
            if rooms.count == 1, let room = rooms.first {
                state.forEachSocket(in: room, body)
                return
            }
        }
        for socket in recipientsByID(state, rooms: rooms, except: except) { body(socket) }
    }

    /// Any other mix of rooms and exceptions: the ids gathered in sets first.
    private func recipientsByID(_ state: LoopState, rooms: Set<String>, except: Set<String>) -> [Socket] {
        var excluded = Set<String>()
        for room in except { state.addMembers(of: room, to: &excluded) }
        if rooms.isEmpty {
            return state.sockets.values.filter { !excluded.contains($0.id) }
        }
        var chosen = Set<String>()
        for room in rooms { state.addMembers(of: room, to: &chosen) }
        return chosen.subtracting(excluded).compactMap { state.sockets[$0] }
    }
}

/// Walks a namespace's middleware for one socket; a step may answer later, from any thread.
private final class MiddlewareChain: @unchecked Sendable {
    let socket: Socket
    let steps: [(Socket, @escaping (ConnectionRefused?) -> Void) -> Void]
    let completion: (ConnectionRefused?) -> Void
    var index = 0

    init(socket: Socket, steps: [(Socket, @escaping (ConnectionRefused?) -> Void) -> Void],
         completion: @escaping (ConnectionRefused?) -> Void) {
        self.socket = socket
        self.steps = steps
        self.completion = completion
    }

    func next(_ refusal: ConnectionRefused?) {
        if let refusal { completion(refusal); return }
        guard index < steps.count else { completion(nil); return }
        let step = steps[index]
        index += 1
        step(socket) { refusal in
            self.socket.run { self.next(refusal) }
        }
    }
}

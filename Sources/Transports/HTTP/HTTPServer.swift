/// Per-loop state of the HTTP server: its live connections (for draining) and date cache.
/// Loop-confined (see LoopConfined); other threads hold it as a `LoopBound`.
final class HTTPLoopState: LoopConfined {
    /// Strong: loops live as long as the process, and an unowned reference took an atomic
    /// check on every request.
    let loop: EventLoop
    let connections = SlotList<HTTPServerConnection>()
    /// Set when the server starts draining.
    @exclusivity(unchecked) var draining = false
    let dates = HTTPDateCache()

    func forget(_ connection: HTTPServerConnection) {
        assertInLoop()
        connections.remove(connection)
    }
    init(loop: EventLoop) { self.loop = loop }
}

/// HTTP/1.1 on a TCP server: parses requests and routes them to endpoints.
/// Unchecked Sendable: `tcp` is set once in `init` (its handler factory needs `self`); the rest
/// is immutable or bound to its loop.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    public let router: HTTPRouter
    public let group: EventLoopGroup
    private var tcp: TCPServer!
    /// Indexed by loop.
    private let states: [LoopBound<HTTPLoopState>]

    public init(group: EventLoopGroup, host: String, port: Int, maxConnections: Int,
                configuration: HTTPServerConfiguration, router: HTTPRouter) {
        self.group = group
        self.configuration = configuration
        self.router = router
        self.states = group.loops.map { loop in loop.makeLocal { LoopBound(takingOwnershipOf: HTTPLoopState(loop: loop), loop: loop) } }
        self.tcp = TCPServer(group: group, host: host, port: port, limits: configuration.connection,
                             maxConnections: maxConnections, sharesPort: configuration.reusePort) { [unowned self] loop in
            HTTPServerConnection(server: self, state: self.states[loop.index].value)
        }
    }

    /// The bound port (after `bind`).
    public var port: Int { tcp.port }
    public var host: String { tcp.host }
    public var connectionCount: Int { tcp.connectionCount }

    public func bind() throws(SystemError) { try tcp.bind() }
    public func startAccepting() { tcp.startAccepting() }

    /// Stops accepting and closes idle connections; busy ones close after their response.
    public func beginDrain() {
        tcp.stopAccepting()
        for bound in states {
            bound.loop.execute {
                let state = bound.value
                state.draining = true
                // A snapshot: a connection that closes as it drains leaves the list, not the walk.
                for connection in state.connections.elements { connection.drain() }
            }
        }
    }
}

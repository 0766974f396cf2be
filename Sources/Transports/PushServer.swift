import Glibc
import PushCore

/// Settings of a whole server: listening, HTTP, engine and Socket.IO layers.
public struct PushServerConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 3000
    /// Event loop threads (one per core by default).
    public var threads = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    /// Folder served at `/`; nil serves no files.
    public var publicDirectory: String? = "Public"
    public var maxConnections = 100_000
    /// Time to finish in-flight work when stopping.
    public var drainTimeout: Int64 = 5_000
    public var http = HTTPServerConfiguration()
    public var engine = EngineServerConfiguration()
    public var socket = SocketServerConfiguration()
    /// Signed connection tokens (off unless a secret is set).
    public var tokens = TokenConfiguration()
    /// Room rules for `pushd:join`, `pushd:leave` and `pushd:publish` (none by default).
    public var roomRules: RoomRules?
    /// The server HTTP API (off unless a key is set).
    public var api = ServerAPIConfiguration()
    /// Serve the API on this address instead of the main port (an internal address that
    /// backends reach and browsers cannot).
    public var apiListen: (host: String, port: Int)?
    /// `/metrics` and the live stats page.
    public var metrics = MetricsConfiguration()
    /// Backend hooks (connect, event, lifecycle); off unless a URL is set.
    public var hooks = HookConfiguration()
    /// Bytes all clients together may make the node hold (queues, partial messages, pending
    /// attachments, POST bodies); past it the largest holders are closed. 0: no budget.
    public var maxClientMemory = 0

    public init() {}
}

/// Connection tokens: JWT secrets and how strictly they are asked for.
public struct TokenConfiguration: Sendable {
    /// HMAC secrets (several, for rotation); none turns tokens off.
    public var secrets: [[UInt8]] = []
    /// `nil`: `required` when a secret is set.
    public var mode: AuthMode?
    public var requireExpiry = true
    /// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
    public var leeway: Int64 = 30

    public init() {}

    /// The tokens' check for a Socket.IO server, reading the wall clock.
    func makeTokens() -> ConnectionTokens? {
        guard !secrets.isEmpty else { return nil }
        return ConnectionTokens(verifier: JWTVerifier(secrets: secrets, leeway: leeway, requireExpiry: requireExpiry),
                                mode: mode ?? .required, clock: { WallClock.seconds() })
    }
}

/// A complete pushd server to embed in a Swift program: static files, the engine endpoint
/// and the Socket.IO server on one port.
///
/// ```swift
/// let server = try PushServer(configuration: .init())
/// server.sockets.onConnection { socket in
///     socket.on("chat") { args, _ in server.sockets.emit("chat", args[0]) }
/// }
/// try server.start()
/// server.waitForShutdownSignal()
/// ```
public final class PushServer: Sendable {
    public let configuration: PushServerConfiguration
    public let group: EventLoopGroup
    /// The Socket.IO server: namespaces, events, rooms.
    public let sockets: SocketServer
    public let engine: EngineServer
    public let http: HTTPServer
    /// Routes; add more before `start()`.
    public let router: PathRouter
    /// The server API's endpoint, when a key is configured.
    public let apiEndpoint: ServerAPIEndpoint?
    /// The API's own listener, with `apiListen`.
    public let apiHTTP: HTTPServer?
    /// Gathers `/metrics` (nil with metrics off); add sources before `start()`.
    public let metrics: MetricsCollector?
    /// The metrics' own listener, with `metrics.listen`.
    public let metricsHTTP: HTTPServer?
    /// The backend hooks, when any is configured.
    package let hooks: BackendHooks?
    /// SIGINT and SIGTERM, blocked on every thread and awaited by `waitForShutdownSignal`.
    private let signals: sigset_t
    /// Closes the largest holders while clients make the node hold more than its budget.
    private let memoryGuard: ClientMemoryGuard

    /// - Parameter engineApplication: runs raw engine sessions instead of Socket.IO (then
    ///   `sockets` stays unused).
    public init(configuration: PushServerConfiguration,
                engineApplication: ((EventLoopGroup) -> EngineApplication)? = nil) throws(SystemError) {
        self.configuration = configuration
        // Shutdown signals are taken by `waitForShutdownSignal`: block them before any loop
        // thread exists, so every thread inherits the mask.
        signal(SIGPIPE, SIG_IGN)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        self.signals = signals
        let group = try EventLoopGroup(threadCount: configuration.threads)
        self.group = group
        let sockets = SocketServer(configuration: configuration.socket, executors: group.loops,
                                   clock: { MonotonicClock.milliseconds() })
        sockets.logger = { Log.debug($0) }
        self.sockets = sockets
        engine = EngineServer(configuration: configuration.engine,
                              application: engineApplication?(group) ?? SocketIOApplication(server: sockets))
        memoryGuard = ClientMemoryGuard(limit: configuration.maxClientMemory, loops: group.loops, engine: engine)
        engine.trackSessions(on: group.loops)
        configuration.tokens.makeTokens()?.install(on: sockets)
        configuration.roomRules?.install(on: sockets)
        // After the token check, so the connect hook sees the verified user.
        hooks = configuration.hooks.isEnabled
            ? BackendHooks(configuration: configuration.hooks, loops: group.loops, sockets: sockets) : nil
        let fallback: HTTPEndpoint = configuration.publicDirectory.map {
            StaticFileEndpoint(root: $0, loops: group.loops)
        } ?? NotFoundEndpoint()
        router = PathRouter(fallback: fallback)
        router.route(prefix: configuration.engine.path, to: engine)
        // Clients also ask for the path without its trailing slash.
        router.route(String(configuration.engine.path.dropLast()), to: engine)
        http = HTTPServer(group: group, host: configuration.host, port: configuration.port,
                          maxConnections: configuration.maxConnections, configuration: configuration.http, router: router)
        if configuration.api.isEnabled {
            let endpoint = ServerAPIEndpoint(configuration: configuration.api, api: ServerAPI(server: sockets))
            apiEndpoint = endpoint
            if let listen = configuration.apiListen {
                let apiRouter = PathRouter(fallback: NotFoundEndpoint())
                apiRouter.route(prefix: configuration.api.path, to: endpoint)
                apiHTTP = HTTPServer(group: group, host: listen.host, port: listen.port,
                                     maxConnections: configuration.maxConnections, configuration: configuration.http,
                                     router: apiRouter)
                // The public port answers nothing under the API's path.
                router.route(prefix: configuration.api.path, to: NotFoundEndpoint())
            } else {
                router.route(prefix: configuration.api.path, to: endpoint)
                apiHTTP = nil
            }
        } else {
            apiEndpoint = nil
            apiHTTP = nil
            router.route(prefix: configuration.api.path, to: NotFoundEndpoint())
        }
        (metrics, metricsHTTP) = PushServer.makeMetrics(configuration, group: group, sockets: sockets, engine: engine,
                                                       http: http, router: router, api: apiEndpoint,
                                                       hooks: hooks)
    }

    /// The bound port (after `start`).
    public var port: Int { http.port }

    /// Binds, starts the loops and accepts connections.
    public func start() throws(SystemError) {
        try http.bind()
        try apiHTTP?.bind()
        try metricsHTTP?.bind()
        group.start()
        hooks?.start()
        http.startAccepting()
        apiHTTP?.startAccepting()
        metricsHTTP?.startAccepting()
        metrics?.startLagProbes(interval: configuration.metrics.lagProbeInterval)
        engine.trimmer.start(on: group.loops[0])
        memoryGuard.start()
        if let recovery = sockets.recovery { expireRecovery(recovery, every: max(1_000, recovery.configuration.window / 4)) }
    }

    /// Drops recovery state past its window even when no event or disconnection comes to do it.
    private func expireRecovery(_ recovery: ConnectionRecovery, every interval: Int64) {
        let loop = group.loops[0]
        loop.execute { [self] in
            _ = loop.schedule(after: interval) { [self] in
                recovery.expire()
                expireRecovery(recovery, every: interval)
            }
        }
    }

    /// Blocks until SIGINT or SIGTERM, then drains; returns the signal's name.
    @discardableResult
    public func waitForShutdownSignal() -> String {
        var received: Int32 = 0
        var awaited = signals
        sigwait(&awaited, &received)
        let name = received == SIGINT ? "SIGINT" : "SIGTERM"
        Log.info("received \(name); draining (up to \(configuration.drainTimeout) ms)")
        let left = drain()
        Log.info(left == 0 ? "drained; exiting" : "drain timeout with \(left) connections open; exiting")
        return name
    }

    /// Stops accepting, closes sessions, lets in-flight responses finish; returns the
    /// connections still open when the drain timeout ran out.
    @discardableResult
    public func drain() -> Int {
        http.beginDrain()
        apiHTTP?.beginDrain()
        metricsHTTP?.beginDrain()
        engine.closeAll()
        let deadline = MonotonicClock.milliseconds() + configuration.drainTimeout
        var open: Int { http.connectionCount + (apiHTTP?.connectionCount ?? 0) + (metricsHTTP?.connectionCount ?? 0) }
        while open > 0 && MonotonicClock.milliseconds() < deadline {
            usleep(20_000)
        }
        // Lifecycle records of the sessions just closed get the rest of the drain time.
        while (hooks?.lifecycle?.pendingCount ?? 0) > 0 && MonotonicClock.milliseconds() < deadline {
            usleep(20_000)
        }
        return open
    }
}

/// 404 for everything (a server without a public folder, the API's path while it is off).
final class NotFoundEndpoint: HTTPEndpoint, Sendable {
    /// Small bodies are read and ignored, so a POST gets its 404 rather than a 413.
    func maxBodyBytes(for head: HTTPRequestHead) -> Int { 64 << 10 }
    func handle(_ request: HTTPRequest, _ response: HTTPResponseWriter) {
        response.respond(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("Not Found\n".utf8))
    }
}

import PushCore
import Transports

/// The configured application on a `PushServer`, plus `/health`.
final class Daemon {
    let configuration: Configuration
    let server: PushServer
    let cluster: ClusterNode?

    init(configuration: Configuration, version: String) throws(SystemError) {
        self.configuration = configuration
        let engineApplication: ((EventLoopGroup) -> EngineApplication)?
        switch configuration.app {
        case .engineEcho: engineApplication = { _ in EngineEchoApp() }
        case .bench: engineApplication = { BenchApp(loops: $0.loops) }
        case .demo, .socketIOReference, .test: engineApplication = nil
        }
        if configuration.server.hooks.isEnabled && configuration.server.hooks.secret.isEmpty {
            fail("--connect-hook, --event-hook and --lifecycle-hook need --hook-secret (backends check requests with it)", status: 2)
        }
        server = try PushServer(configuration: configuration.server, engineApplication: engineApplication)
        switch configuration.app {
        case .socketIOReference: SocketIOReferenceApp.install(on: server.sockets)
        case .demo: DemoApp.install(on: server.sockets, engine: server.engine)
        case .test: TestApp.install(on: server.sockets)
        case .engineEcho, .bench: break
        }
        if let url = configuration.redis {
            let node = ClusterNode(url: url, loop: server.group.loops[0], sockets: server.sockets, engine: server.engine)
            if let recovery = server.sockets.recovery { _ = RedisRecoverySnapshotStore(node: node, recovery: recovery) }
            node.start()
            server.apiEndpoint?.api.idempotency = RedisIdempotencyStore(node: node)
            server.hooks?.attach(cluster: node)
            cluster = node
            server.metrics?.add(node.metricsSource)
        } else {
            cluster = nil
        }
        let started = MonotonicClock.milliseconds()
        let http = server.http, engine = server.engine, hooks = server.hooks
        let nodeID = cluster.map { "\"" + $0.id + "\"" } ?? "null"
        server.router.route("/health", to: JSONStatusEndpoint {
            let uptime = (MonotonicClock.milliseconds() - started) / 1000
            return "{\"status\":\"ok\",\"version\":\"\(version)\",\"uptimeSeconds\":\(uptime),"
                + "\"connections\":\(http.connectionCount),\"sessions\":\(engine.sessionCount),"
                + "\"heapBytes\":\(HeapStatistics.bytesInUse),\"node\":\(nodeID)"
                + (hooks.map { ",\"hooks\":" + $0.statistics } ?? "") + "}"
        })
    }
}

import PushCore
import Transports

/// Wires the configured application onto the HTTP server.
final class Daemon {
    let configuration: Configuration
    let server: HTTPServer
    let engine: EngineServer

    init(configuration: Configuration, group: EventLoopGroup, version: String) {
        self.configuration = configuration
        let application: EngineApplication
        switch configuration.app {
        case "engine-echo":
            application = EngineEchoApp()
        default:
            let sockets = SocketServer(configuration: configuration.socket, executors: group.loops)
            sockets.logger = { Log.debug($0) }
            if configuration.app == "socketio-reference" {
                SocketIOReferenceApp.install(on: sockets)
            } else {
                DemoApp.install(on: sockets)
            }
            application = SocketIOApplication(server: sockets)
        }
        engine = EngineServer(configuration: configuration.engine, application: application)
        let files = StaticFileEndpoint(root: configuration.publicDirectory, loopCount: group.loops.count)
        let router = PathRouter(fallback: files)
        router.route(prefix: configuration.engine.path, to: engine)
        // Socket.IO clients also ask for the path without its trailing slash.
        router.route(String(configuration.engine.path.dropLast()), to: engine)
        let started = MonotonicClock.milliseconds()
        let status = StatusSource()
        router.route("/health", to: JSONStatusEndpoint {
            let uptime = (MonotonicClock.milliseconds() - started) / 1000
            return "{\"status\":\"ok\",\"version\":\"\(version)\",\"uptimeSeconds\":\(uptime),"
                + "\"connections\":\(status.server?.connectionCount ?? 0),\"sessions\":\(status.engine?.sessionCount ?? 0),\"heapBytes\":\(HeapStatistics.bytesInUse)}"
        })
        server = HTTPServer(group: group, host: configuration.host, port: configuration.port,
                            maxConnections: configuration.maxConnections, configuration: configuration.http, router: router)
        status.server = server
        status.engine = engine
    }

    /// Stop accepting, close sessions, let in-flight responses finish.
    func drain() {
        server.beginDrain()
        engine.closeAll()
    }
}

/// Lets the health document read objects made after its closure.
private final class StatusSource: @unchecked Sendable {
    var server: HTTPServer?
    var engine: EngineServer?
}

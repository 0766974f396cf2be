import PushCore
import Transports

/// The configured application on a `PushServer`, plus `/health`.
final class Daemon {
    let configuration: Configuration
    let server: PushServer

    init(configuration: Configuration, version: String) throws(SystemError) {
        self.configuration = configuration
        let engineApplication: ((EventLoopGroup) -> EngineApplication)?
        switch configuration.app {
        case "engine-echo": engineApplication = { _ in EngineEchoApp() }
        case "bench": engineApplication = { BenchApp(loops: $0.loops) }
        default: engineApplication = nil
        }
        server = try PushServer(configuration: configuration.server, engineApplication: engineApplication)
        switch configuration.app {
        case "socketio-reference": SocketIOReferenceApp.install(on: server.sockets)
        case "default": DemoApp.install(on: server.sockets)
        default: break
        }
        let started = MonotonicClock.milliseconds()
        let http = server.http, engine = server.engine
        server.router.route("/health", to: JSONStatusEndpoint {
            let uptime = (MonotonicClock.milliseconds() - started) / 1000
            return "{\"status\":\"ok\",\"version\":\"\(version)\",\"uptimeSeconds\":\(uptime),"
                + "\"connections\":\(http.connectionCount),\"sessions\":\(engine.sessionCount),"
                + "\"heapBytes\":\(HeapStatistics.bytesInUse)}"
        })
    }
}

import PushCore
import Transports

extension Configuration {
    /// Flags of running behind a proxy and of restarting without downtime.
    static let deploymentOptions: [Option] = [
        Option.boolean(name: "trust-proxy", help: "Believe X-Forwarded-For/-Host/-Proto (only behind a proxy that sets them)", defaultValue: false) { c, on in
            c.server.engine.trustProxy = on
        },
        Option.boolean(name: "reuse-port", help: "Share the ports with another pushd started with it (zero-downtime restarts)", defaultValue: false) { c, on in
            c.server.http.reusePort = on
        },
    ]
}

import PushCore
import Transports

extension Configuration {
    /// Flags of `/metrics` and the live stats page.
    static let metricsOptions: [Option] = [
        Option.boolean(name: "metrics", help: "Serve Prometheus metrics at /metrics", defaultValue: true) { c, on in
            c.server.metrics.isEnabled = on
        },
        Option(name: "metrics-listen", valueName: "HOST:PORT", help: "Serve /metrics (and the stats page) on this address instead of the main port", defaultValue: "the main port") { c, v throws(OptionError) in
            guard let colon = v.lastIndex(of: ":"), let port = Int(v[v.index(after: colon)...]), (0...65535).contains(port) else {
                throw OptionError(description: "--metrics-listen needs HOST:PORT such as 127.0.0.1:9100, not '\(v)'")
            }
            let host = String(v[..<colon])
            c.server.metrics.listen = (host.isEmpty ? "0.0.0.0" : host, port)
        },
        Option.boolean(name: "stats-page", help: "Serve a live stats page at /stats.html, next to /metrics", defaultValue: false) { c, on in
            c.server.metrics.statsPage = on
        },
    ]
}

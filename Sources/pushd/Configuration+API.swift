import PushCore
import Transports

extension Configuration {
    /// Flags of the server HTTP API.
    static let apiOptions: [Option] = [
        Option(name: "api-key", valueName: "KEYS", help: "Turns on the server API: bearer keys it accepts, comma-separated (rotation)", defaultValue: "none (API off)") { c, v throws(OptionError) in
            let keys = v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            guard !keys.isEmpty else { throw OptionError(description: "--api-key needs at least one key") }
            guard keys.allSatisfy({ $0.utf8.count >= 16 }) else {
                throw OptionError(description: "--api-key: each key needs at least 16 characters (e.g. openssl rand -hex 24)")
            }
            c.server.api.keys = keys
        },
        Option(name: "api-listen", valueName: "HOST:PORT", help: "Serve the API on this address instead of the main port", defaultValue: "the main port") { c, v throws(OptionError) in
            guard let colon = v.lastIndex(of: ":"), let port = Int(v[v.index(after: colon)...]), (0...65535).contains(port) else {
                throw OptionError(description: "--api-listen needs HOST:PORT such as 127.0.0.1:3001, not '\(v)'")
            }
            let host = String(v[..<colon])
            c.server.apiListen = (host.isEmpty ? "0.0.0.0" : host, port)
        },
        Option(name: "api-path", valueName: "PATH", help: "Where the API answers: POST <path><method>", defaultValue: "/api/") { c, v throws(OptionError) in
            guard v.hasPrefix("/") else { throw OptionError(description: "--api-path must start with '/', not '\(v)'") }
            c.server.api.path = v.hasSuffix("/") ? v : v + "/"
        },
        Option(name: "api-max-body", valueName: "BYTES", help: "Largest API request body (413 past it)", defaultValue: "1MiB") { c, v throws(OptionError) in
            c.server.api.maxBodyBytes = max(64, try OptionValue.bytes(v, "api-max-body"))
        },
    ]
}

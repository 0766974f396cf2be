import Glibc
import PushCore
import Transports

/// Everything the daemon can be told, with defaults.
struct Configuration {
    var server = PushServerConfiguration()
    var logLevel = LogLevel.info
    var redis: RedisURL?
    /// Where other cluster nodes reach this one; nil: derived from the listen address.
    var clusterAdvertise: NodeAddress?
    var app = AppPreset.demo

    init() {
        server.maxConnections = Configuration.defaultMaxConnections
        server.maxClientMemory = Configuration.defaultMaxClientMemory
    }

    /// The open-file limit less room for listeners, files and the log.
    static var defaultMaxConnections: Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let soft = limit.rlim_cur > 1 << 40 ? 1_048_576 : Int(limit.rlim_cur)
        return max(16, soft - 64)
    }

    /// Settings an app implies unless a flag says otherwise.
    mutating func applyAppPreset(explicit: Set<String>) {
        if app == .demo { server.engine.allowsBlockParameter = true }
        // The demo's clients recover (the offset on every event is opt-in, as in Socket.IO).
        if app == .demo && !explicit.contains("recovery-window") { server.socket.recovery.window = Configuration.demoRecoveryWindow }
        if app == .bench {
            // No copy may be dropped during a run: raise the slow-consumer limits.
            if !explicit.contains("max-session-queue") { server.engine.session.maxQueueBytes = 256 << 20 }
            server.engine.session.volatileDropBytes = .max
            if !explicit.contains("max-messages-per-second") { server.engine.session.maxMessagesPerSecond = 0 }
            if !explicit.contains("cors-origin") { server.engine.origins = .any }
        }
        guard app == .engineEcho || app == .socketIOReference else { return }
        // What the public Engine.IO v4 and Socket.IO v5 test suites expect.
        if app == .engineEcho && !explicit.contains("path") { server.engine.path = "/engine.io/" }
        if app == .socketIOReference && !explicit.contains("connect-timeout") { server.socket.connectTimeout = 1000 }
        if !explicit.contains("ping-interval") { server.engine.session.pingInterval = 300 }
        if !explicit.contains("ping-timeout") { server.engine.session.pingTimeout = 200 }
        if !explicit.contains("cors-origin") { server.engine.origins = .any }
    }
}

/// What the command line asks for.
enum Command {
    case run(Configuration)
    case help
    case version
}

extension Configuration {
    /// The flags, in the order `--help` lists them.
    static let options: [Option] = coreOptions + apiOptions + authOptions + hookOptions + metricsOptions + deploymentOptions
        + memoryLimitOptions + recoveryOptions + clusterOptions

    static let coreOptions: [Option] = [
        Option(name: "host", valueName: "ADDRESS", help: "Address to listen on", defaultValue: "0.0.0.0") { c, v throws(OptionError) in c.server.host = v },
        Option(name: "port", valueName: "PORT", help: "TCP port (0 picks a free one)", defaultValue: "3000") { c, v throws(OptionError) in
            c.server.port = try OptionValue.integer(v, "port", in: 0...65535)
        },
        Option(name: "public", valueName: "DIR", help: "Folder served at / (the demo page; client.js is built in, a copy here wins)", defaultValue: "Public") { c, v throws(OptionError) in
            c.server.publicDirectory = v
        },
        Option(name: "threads", valueName: "N", help: "Event loop threads", defaultValue: "cores") { c, v throws(OptionError) in
            c.server.threads = try OptionValue.integer(v, "threads", in: 1...256)
        },
        Option(name: "log-level", valueName: "LEVEL", help: "debug, info, warning or error", defaultValue: "info") { c, v throws(OptionError) in
            guard let level = LogLevel(name: v) else { throw OptionError(description: "--log-level must be debug, info, warning or error, not '\(v)'") }
            c.logLevel = level
        },
        Option(name: "app", valueName: "NAME", help: "Application: \(AppPreset.names)", defaultValue: AppPreset.demo.rawValue) { c, v throws(OptionError) in
            guard let app = AppPreset(rawValue: v) else {
                throw OptionError(description: "--app must be one of \(AppPreset.names), not '\(v)'")
            }
            c.app = app
        },
        Option(name: "max-connections", valueName: "N", help: "Open connections at most (more are closed at once)", defaultValue: "open-file limit - 64") { c, v throws(OptionError) in
            c.server.maxConnections = try OptionValue.integer(v, "max-connections", in: 1...10_000_000)
        },
        Option(name: "drain-timeout", valueName: "DURATION", help: "Time to finish in-flight work on SIGINT/SIGTERM", defaultValue: "5s") { c, v throws(OptionError) in
            c.server.drainTimeout = try OptionValue.duration(v, "drain-timeout")
        },
        Option(name: "max-request-line", valueName: "BYTES", help: "Longest request line (414 past it)", defaultValue: "8KiB") { c, v throws(OptionError) in
            c.server.http.limits.maxRequestLineBytes = try OptionValue.bytes(v, "max-request-line")
        },
        Option(name: "max-header-bytes", valueName: "BYTES", help: "Largest header block (431 past it)", defaultValue: "16KiB") { c, v throws(OptionError) in
            c.server.http.limits.maxHeaderBytes = try OptionValue.bytes(v, "max-header-bytes")
        },
        Option(name: "max-headers", valueName: "N", help: "Most header fields in a request (431 past it)", defaultValue: "100") { c, v throws(OptionError) in
            c.server.http.limits.maxHeaderCount = try OptionValue.integer(v, "max-headers", in: 1...10_000)
        },
        Option(name: "header-timeout", valueName: "DURATION", help: "Time to send a request head once started (408 after)", defaultValue: "10s") { c, v throws(OptionError) in
            c.server.http.headerTimeoutMilliseconds = try OptionValue.duration(v, "header-timeout")
        },
        Option(name: "body-timeout", valueName: "DURATION", help: "Time to send a request body (408 after)", defaultValue: "30s") { c, v throws(OptionError) in
            c.server.http.bodyTimeoutMilliseconds = try OptionValue.duration(v, "body-timeout")
        },
        Option(name: "keepalive-timeout", valueName: "DURATION", help: "Idle time before a keep-alive connection is closed", defaultValue: "60s") { c, v throws(OptionError) in
            c.server.http.keepAliveTimeoutMilliseconds = try OptionValue.duration(v, "keepalive-timeout")
        },
        Option(name: "write-high-water", valueName: "BYTES", help: "Queued output per connection before reading from it pauses", defaultValue: "1MiB") { c, v throws(OptionError) in
            c.server.http.connection.writeHighWater = try OptionValue.bytes(v, "write-high-water")
            c.server.http.connection.writeLowWater = c.server.http.connection.writeHighWater / 4
        },
        Option(name: "path", valueName: "PATH", help: "Where the engine answers", defaultValue: "/socket.io/") { c, v throws(OptionError) in
            guard v.hasPrefix("/") else { throw OptionError(description: "--path must start with '/', not '\(v)'") }
            c.server.engine.path = v.hasSuffix("/") ? v : v + "/"
        },
        Option(name: "ping-interval", valueName: "DURATION", help: "Time between server pings", defaultValue: "25s") { c, v throws(OptionError) in
            c.server.engine.session.pingInterval = max(1, try OptionValue.duration(v, "ping-interval"))
        },
        Option(name: "ping-timeout", valueName: "DURATION", help: "Time to answer a ping before the session closes", defaultValue: "20s") { c, v throws(OptionError) in
            c.server.engine.session.pingTimeout = max(1, try OptionValue.duration(v, "ping-timeout"))
        },
        Option(name: "upgrade-timeout", valueName: "DURATION", help: "Time a probe WebSocket has to complete an upgrade before it is closed", defaultValue: "10s") { c, v throws(OptionError) in
            c.server.engine.session.upgradeTimeout = max(1, try OptionValue.duration(v, "upgrade-timeout"))
        },
        Option(name: "max-payload", valueName: "BYTES", help: "Largest message or polling body (413 / close 1009 past it)", defaultValue: "1000000") { c, v throws(OptionError) in
            c.server.engine.session.maxPayload = max(16, try OptionValue.bytes(v, "max-payload"))
        },
        Option(name: "max-session-queue", valueName: "BYTES", help: "Bytes queued for one session before it is closed as a slow consumer", defaultValue: "1MiB") { c, v throws(OptionError) in
            c.server.engine.session.maxQueueBytes = max(1024, try OptionValue.bytes(v, "max-session-queue"))
        },
        Option(name: "max-messages-per-second", valueName: "N", help: "Messages one client may send per second (bursts of twice that; 0: no limit)", defaultValue: "2000") { c, v throws(OptionError) in
            c.server.engine.session.maxMessagesPerSecond = try OptionValue.integer(v, "max-messages-per-second", in: 0...100_000_000)
        },
        Option(name: "max-sessions", valueName: "N", help: "Sessions open at once (503 past it)", defaultValue: "1000000") { c, v throws(OptionError) in
            c.server.engine.maxSessions = try OptionValue.integer(v, "max-sessions", in: 1...100_000_000)
        },
        Option(name: "transports", valueName: "LIST", help: "Transports offered: websocket,sse,polling,short-polling (aliases long-polling, plain-polling)", defaultValue: "all four") { c, v throws(OptionError) in
            var kinds = Set<EngineTransportKind>()
            for name in v.split(separator: ",") {
                let name = String(name).trimmingSpaces
                // client.js's aliases, so one list works on both sides.
                let aliases = ["long-polling": EngineTransportKind.longPolling, "plain-polling": .polling]
                guard let kind = EngineTransportKind(rawValue: name) ?? aliases[name] else {
                    throw OptionError(description: "--transports takes websocket, sse, polling (alias long-polling) and short-polling (alias plain-polling), not '\(name)'")
                }
                kinds.insert(kind)
            }
            guard !kinds.isEmpty else { throw OptionError(description: "--transports needs at least one transport") }
            c.server.engine.transports = kinds
        },
        Option(name: "connect-timeout", valueName: "DURATION", help: "Time a client has to join a namespace after connecting", defaultValue: "45s") { c, v throws(OptionError) in
            c.server.socket.connectTimeout = max(1, try OptionValue.duration(v, "connect-timeout"))
        },
        Option(name: "max-attachments", valueName: "N", help: "Binary attachments one Socket.IO packet may carry", defaultValue: "10") { c, v throws(OptionError) in
            c.server.socket.maxAttachments = try OptionValue.integer(v, "max-attachments", in: 0...10_000)
        },
        Option(name: "max-json-depth", valueName: "N", help: "Nesting depth of event payloads", defaultValue: "32") { c, v throws(OptionError) in
            c.server.socket.maxJSONDepth = try OptionValue.integer(v, "max-json-depth", in: 1...1_000)
        },
        Option(name: "redis", valueName: "URL", help: "Join a cluster through redis://[:password@]HOST:PORT[/DB]", defaultValue: "none (run alone)") { c, v throws(OptionError) in
            guard let url = RedisURL(v) else { throw OptionError(description: "--redis needs redis://[:password@]host[:port][/db], not '\(v)'") }
            c.redis = url
        },
        Option(name: "cors-origin", valueName: "LIST", help: "Origins allowed cross-site (CORS and WebSocket Origin): comma-separated, or *", defaultValue: "same origin only") { c, v throws(OptionError) in
            c.server.engine.origins = v == "*" ? .any : .list(v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty })
        },
    ]

    /// Reads the config file (`--config` or PUSHD_CONFIG), then PUSHD_* variables, then the
    /// arguments: each later source wins.
    static func parse(arguments: [String], environment: [String: String],
                      readFile: (String) -> [UInt8]? = { Configuration.readFile($0) }) throws(OptionError) -> Command {
        var configuration = Configuration()
        var explicit = Set<String>()
        if let path = configPath(arguments: arguments, environment: environment) {
            guard let contents = readFile(path) else { throw OptionError(description: "--config \(path): cannot read the file") }
            let file = try readConfigFile(path, contents: contents)
            for (name, value) in file.values {
                try options.first { $0.name == name }!.apply(&configuration, value)
                explicit.insert(name)
            }
            if let namespaces = file.namespaces {
                do {
                    configuration.server.roomRules = try RoomRules(json: namespaces)
                } catch {
                    throw OptionError(description: "--config \(path): \(error.description)")
                }
            }
        }
        for option in options {
            if let value = environment[option.environmentName] {
                do {
                    try option.apply(&configuration, value)
                } catch {
                    throw OptionError(description: "\(option.environmentName)=\(value): \(error.description)")
                }
            }
        }
        for option in options where environment[option.environmentName] != nil { explicit.insert(option.name) }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--help" || argument == "-h" { return .help }
            if argument == "--version" { return .version }
            guard argument.hasPrefix("--") else { throw OptionError(description: "unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if name == fileOption {
                index += value == nil ? 2 : 1   // read before everything else
                continue
            }
            guard let option = options.first(where: { $0.name == name }) else {
                throw OptionError(description: "unknown flag --\(name)\(suggestion(for: name)) (see --help)")
            }
            if value == nil && option.isBoolean {
                value = "true"
            } else if value == nil {
                index += 1
                guard index < arguments.count else { throw OptionError(description: "--\(name) needs a value") }
                value = arguments[index]
            }
            try option.apply(&configuration, value!)
            explicit.insert(name)
            index += 1
        }
        configuration.applyAppPreset(explicit: explicit)
        return .run(configuration)
    }

    /// The config file named by `--config FILE`, `--config=FILE` or PUSHD_CONFIG.
    static func configPath(arguments: [String], environment: [String: String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--" + fileOption, index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--\(fileOption)=") { return String(argument.dropFirst(fileOption.count + 3)) }
        }
        return environment["PUSHD_CONFIG"]
    }

    static var usage: String {
        var text = "Usage: pushd [flags]\n\npushd serves named events over WebSocket, Server-Sent Events, HTTP long-polling and\npolling (Engine.IO v4 / Socket.IO v5 compatible).\n\nFlags (each also settable as an environment variable):\n"
        for option in options {
            let flag = option.isBoolean ? "  --\(option.name)[=false]" : "  --\(option.name) \(option.valueName)"
            text += flag.padding(to: 34) + option.help + " (default \(option.defaultValue); \(option.environmentName))\n"
        }
        text += "  --config FILE".padding(to: 34) + "JSON file of settings (flag names as keys, plus \"namespaces\" room rules) (default none; PUSHD_CONFIG)\n"
        text += "  --help".padding(to: 34) + "Print this help\n"
        text += "  --version".padding(to: 34) + "Print the version\n"
        return text
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

import PushCore
import Transports

extension Configuration {
    /// Flags of the backend hooks.
    static let hookOptions: [Option] = [
        Option(name: "connect-hook", valueName: "URL", help: "Ask this backend URL about every Socket.IO CONNECT (http:// only)", defaultValue: "none") { c, v throws(OptionError) in
            c.server.hooks.connectURL = try hookURL(v, "connect-hook")
        },
        Option(name: "event-hook", valueName: "URL", help: "Forward client events named in --hook-events to this backend URL", defaultValue: "none") { c, v throws(OptionError) in
            c.server.hooks.eventURL = try hookURL(v, "event-hook")
        },
        Option(name: "hook-events", valueName: "LIST", help: "Event names or *-patterns the event hook receives, comma-separated", defaultValue: "none") { c, v throws(OptionError) in
            c.server.hooks.events = v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }.map(GlobPattern.init)
        },
        Option(name: "lifecycle-hook", valueName: "URL", help: "Post connect/disconnect/join/leave records to this backend URL, at least once", defaultValue: "none") { c, v throws(OptionError) in
            c.server.hooks.lifecycleURL = try hookURL(v, "lifecycle-hook")
        },
        Option(name: "hook-secret", valueName: "SECRET", help: "Key of the HMAC-SHA256 signature on every hook request (required with a hook)", defaultValue: "none") { c, v throws(OptionError) in
            guard v.utf8.count >= 16 else { throw OptionError(description: "--hook-secret needs at least 16 characters (e.g. openssl rand -hex 24)") }
            c.server.hooks.secret = v
        },
        Option(name: "hook-timeout", valueName: "DURATION", help: "Time the connect and event hooks have to answer", defaultValue: "5s") { c, v throws(OptionError) in
            c.server.hooks.timeout = max(1, try OptionValue.duration(v, "hook-timeout"))
            c.server.hooks.client.totalTimeout = c.server.hooks.timeout
            c.server.hooks.client.readTimeout = c.server.hooks.timeout
        },
        Option(name: "hook-connect-timeout", valueName: "DURATION", help: "Time to open a connection to a hook backend", defaultValue: "2s") { c, v throws(OptionError) in
            c.server.hooks.client.connectTimeout = max(1, try OptionValue.duration(v, "hook-connect-timeout"))
        },
        Option(name: "hook-max-response", valueName: "BYTES", help: "Largest hook answer (larger ones count as failures)", defaultValue: "1MiB") { c, v throws(OptionError) in
            c.server.hooks.client.maxResponseBytes = max(64, try OptionValue.bytes(v, "hook-max-response"))
        },
        Option(name: "hook-concurrency", valueName: "N", help: "Hook requests in flight at once (whole process)", defaultValue: "256") { c, v throws(OptionError) in
            c.server.hooks.client.concurrency = try OptionValue.integer(v, "hook-concurrency", in: 1...100_000)
        },
        Option(name: "hook-queue", valueName: "N", help: "Hook requests waiting for a slot; past it they fail at once", defaultValue: "4096") { c, v throws(OptionError) in
            c.server.hooks.client.queueLimit = try OptionValue.integer(v, "hook-queue", in: 0...10_000_000)
        },
        Option(name: "hook-socket-queue", valueName: "N", help: "Events of one socket waiting for the event hook; past it they get an error ack", defaultValue: "64") { c, v throws(OptionError) in
            c.server.hooks.socketQueue = try OptionValue.integer(v, "hook-socket-queue", in: 1...100_000)
        },
        Option(name: "hook-headers", valueName: "LIST", help: "Handshake headers passed to the connect hook", defaultValue: "origin,user-agent,cookie,authorization,x-forwarded-for,x-real-ip,accept-language,referer") { c, v throws(OptionError) in
            c.server.hooks.headers = v.split(separator: ",").map { String($0).trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
        },
        Option(name: "lifecycle-queue", valueName: "N", help: "Lifecycle records kept for the backend; past it the oldest are dropped (logged)", defaultValue: "100000") { c, v throws(OptionError) in
            c.server.hooks.lifecycleQueue = try OptionValue.integer(v, "lifecycle-queue", in: 1...100_000_000)
        },
        Option(name: "lifecycle-batch", valueName: "N", help: "Lifecycle records per request at most", defaultValue: "100") { c, v throws(OptionError) in
            c.server.hooks.lifecycleBatch = try OptionValue.integer(v, "lifecycle-batch", in: 1...100_000)
        },
        Option(name: "lifecycle-interval", valueName: "DURATION", help: "Longest wait before a partial lifecycle batch is sent", defaultValue: "100ms") { c, v throws(OptionError) in
            c.server.hooks.lifecycleInterval = try OptionValue.duration(v, "lifecycle-interval")
        },
        Option(name: "lifecycle-backoff", valueName: "MIN,MAX", help: "Retry delays of a failed lifecycle batch (doubling, with jitter)", defaultValue: "100ms,30s") { c, v throws(OptionError) in
            let parts = v.split(separator: ",").map { String($0).trimmingSpaces }
            guard parts.count == 2 else { throw OptionError(description: "--lifecycle-backoff needs MIN,MAX such as 100ms,30s, not '\(v)'") }
            let low = max(1, try OptionValue.duration(parts[0], "lifecycle-backoff"))
            let high = try OptionValue.duration(parts[1], "lifecycle-backoff")
            guard high >= low else { throw OptionError(description: "--lifecycle-backoff: MAX must not be below MIN") }
            c.server.hooks.lifecycleMinBackoff = low
            c.server.hooks.lifecycleMaxBackoff = high
        },
    ]

    static func hookURL(_ text: String, _ name: String) throws(OptionError) -> HTTPClientURL {
        switch HTTPClientURL.parse(text) {
        case .success(let url): return url
        case .failure(let problem): throw OptionError(description: "--\(name): \(problem) ('\(text)')")
        }
    }
}

import PushCore
import Transports

extension Configuration {
    /// The recovery window the default app turns on unless `--recovery-window` says otherwise.
    static let demoRecoveryWindow: Int64 = 120_000

    /// Flags of connection state recovery.
    static let recoveryOptions: [Option] = [
        Option(name: "recovery-window", valueName: "DURATION", help: "How long a dropped socket stays recoverable (id, rooms, data, missed events); 0 is off", defaultValue: "0 (2m with the default app)") { c, v throws(OptionError) in
            c.server.socket.recovery.window = try OptionValue.duration(v, "recovery-window")
        },
        Option.boolean(name: "recovery-skip-middleware", help: "A recovered socket skips middleware and the connect hook (tokens are checked again)", defaultValue: true) { c, on in
            c.server.socket.recovery.skipMiddleware = on
        },
        Option(name: "recovery-max-bytes", valueName: "BYTES", help: "Missed events one socket may get back; past it it reconnects afresh", defaultValue: "1MiB") { c, v throws(OptionError) in
            c.server.socket.recovery.maxBytesPerSocket = try OptionValue.bytes(v, "recovery-max-bytes")
        },
        Option(name: "recovery-store-bytes", valueName: "BYTES", help: "Missed events and dropped sockets' state kept on this node; past it the oldest events go", defaultValue: "64MiB") { c, v throws(OptionError) in
            c.server.socket.recovery.maxStoreBytes = try OptionValue.bytes(v, "recovery-store-bytes")
        },
    ]
}

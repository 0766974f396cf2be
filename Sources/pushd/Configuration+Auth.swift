import PushCore
import Transports

extension Configuration {
    /// Flags of connection tokens.
    static let authOptions: [Option] = [
        Option(name: "jwt-secret", valueName: "SECRETS", help: "Turns on connection tokens: HS256/384/512 secrets, comma-separated (rotation)", defaultValue: "none (tokens off)") { c, v throws(OptionError) in
            let secrets = v.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            guard !secrets.isEmpty else { throw OptionError(description: "--jwt-secret needs at least one secret") }
            guard secrets.allSatisfy({ $0.utf8.count >= 32 }) else {
                throw OptionError(description: "--jwt-secret: each secret needs at least 32 characters (e.g. openssl rand -hex 32)")
            }
            c.server.tokens.secrets = secrets.map { Array($0.utf8) }
        },
        Option(name: "auth", valueName: "MODE", help: "Tokens: required, optional (no token connects anonymously) or off", defaultValue: "required with --jwt-secret, else off") { c, v throws(OptionError) in
            guard let mode = AuthMode(rawValue: v) else {
                throw OptionError(description: "--auth must be required, optional or off, not '\(v)'")
            }
            c.server.tokens.mode = mode
        },
        Option.boolean(name: "jwt-require-exp", help: "Refuse tokens without an exp claim", defaultValue: true) { c, v in
            c.server.tokens.requireExpiry = v
        },
        Option(name: "jwt-leeway", valueName: "DURATION", help: "Clock skew allowed on exp, nbf and iat", defaultValue: "30s") { c, v throws(OptionError) in
            c.server.tokens.leeway = try OptionValue.duration(v, "jwt-leeway") / 1000
        },
    ]
}

/// Whether connections must bring a token (`--auth`).
public enum AuthMode: String, Sendable, CaseIterable {
    /// Every CONNECT needs a valid token.
    case required
    /// No token connects anonymously; a bad or expired one is refused.
    case optional
    /// Tokens are ignored.
    case off
}

/// Why a CONNECT was refused for its token: the CONNECT_ERROR's message, and a code in its data.
public enum TokenRefusal: String, Sendable, Error, CaseIterable {
    case tokenRequired = "token required"
    case invalidToken = "invalid token"
    case tokenExpired = "token expired"
    case namespaceNotAllowed = "namespace not allowed"

    /// `token_required`, … (the data's `reason`).
    public var code: String { rawValue.replacingSpaces }

    func refusal(detail: String? = nil) -> ConnectionRefused {
        var data: [JSONMember] = [JSONMember("reason", .string(code))]
        if let detail { data.append(JSONMember("detail", .string(detail))) }
        return ConnectionRefused(rawValue, data: .object(data))
    }
}

/// Signed connection tokens (JWT) checked inside pushd: the client sends
/// `auth: { token }` with its CONNECT; a valid token's claims fill the socket's data, name its
/// user (and room `user:<sub>`), join its rooms, grant room patterns, limit its namespaces, and
/// end the connection at `exp` unless the client sends a fresh one (`pushd:refresh`).
public final class ConnectionTokens: Sendable {
    public let verifier: JWTVerifier?
    public let mode: AuthMode
    /// Epoch seconds now (the caller's clock: PushCore reads none).
    private let clock: @Sendable () -> Int64

    /// The event a client sends a fresh token with (acknowledged).
    public static let refreshEvent = "pushd:refresh"

    public init(verifier: JWTVerifier?, mode: AuthMode, clock: @escaping @Sendable () -> Int64) {
        self.verifier = verifier
        self.mode = verifier == nil ? .off : mode
        self.clock = clock
    }

    /// The token check for one CONNECT: claims to apply, nil to connect anonymously, or a refusal.
    public func check(auth: JSONValue, namespace: String) -> Result<JWTClaims?, TokenRefusal> {
        guard mode != .off, let verifier else { return .success(nil) }
        guard let token = auth["token"]?.stringValue, !token.isEmpty else {
            return mode == .required ? .failure(.tokenRequired) : .success(nil)
        }
        switch verifier.verify(token, now: clock()) {
        case .failure(.expired): return .failure(.tokenExpired)
        case .failure: return .failure(.invalidToken)
        case .success(let claims):
            if let allowed = claims.namespaces, !allowed.contains(where: { $0.matches(namespace) }) {
                return .failure(.namespaceNotAllowed)
            }
            return .success(claims)
        }
    }

    /// Installs the check on every namespace, expiry on every connected socket, and the refresh
    /// event. Configure before start.
    public func install(on server: SocketServer) {
        guard mode != .off else { return }
        // Checked again when a socket is recovered: the token may have expired meanwhile.
        server.useOnEveryNamespace(alsoOnRecovery: true) { [self] socket, next in
            switch check(auth: socket.handshake.auth, namespace: socket.namespace.name) {
            case .failure(let refusal):
                next(refusal.refusal())
            case .success(nil):
                next(nil)
            case .success(let claims?):
                apply(claims, to: socket)
                next(nil)
            }
        }
        server.observe(ExpiryObserver(tokens: self))
        server.interceptEvents { [self] socket, event, arguments, ack in
            guard event == Self.refreshEvent else { return false }
            refresh(socket, token: arguments.first?.stringValue, ack: ack)
            return true
        }
    }

    private func apply(_ claims: JWTClaims, to socket: Socket) {
        if case .object(let members)? = claims.data {
            for member in members { socket.data[member.key] = member.value }
        }
        if let user = claims.subject {
            socket.data["user"] = .string(user)
            socket.join("user:" + user)
        }
        for room in claims.rooms ?? [] { socket.join(room) }
        socket.access = SocketAccess(user: claims.subject, allow: claims.allow ?? [],
                                     expiresAt: claims.expiresAt.map { $0 + (verifier?.leeway ?? 0) })
    }

    /// A fresh token for the same user moves the socket's expiry; anything else is refused
    /// (and the old expiry stands).
    private func refresh(_ socket: Socket, token: String?, ack: Acknowledgement?) {
        guard let access = socket.access, let verifier, let token else {
            ack?.send([["error": "invalid token"]])
            return
        }
        switch verifier.verify(token, now: clock()) {
        case .success(let claims) where claims.subject == access.user:
            access.expiresAt = claims.expiresAt.map { $0 + verifier.leeway }
            access.allow = claims.allow ?? access.allow
            scheduleExpiry(of: socket)
            var answer: [JSONMember] = [JSONMember("ok", true)]
            if let exp = claims.expiresAt { answer.append(JSONMember("exp", .number(Double(exp)))) }
            ack?.send([.object(answer)])
        case .success:
            ack?.send([["error": "token is for another user"]])
        case .failure(.expired):
            ack?.send([["error": "token expired"]])
        case .failure:
            ack?.send([["error": "invalid token"]])
        }
    }

    fileprivate func scheduleExpiry(of socket: Socket) {
        guard let access = socket.access else { return }
        access.expiryTimer?.cancel()
        access.expiryTimer = nil
        guard let expiresAt = access.expiresAt else { return }
        let delay = max(0, (expiresAt - clock()) * 1000)
        // A strong capture (a weak one would slow every retain of the socket): the timer is
        // cancelled when the socket leaves.
        access.expiryTimer = socket.schedule(after: delay) {
            socket.disconnect(reason: .tokenExpired)
        }
    }
}

/// Starts each token's expiry timer when its socket connects and stops it when it leaves.
private final class ExpiryObserver: SocketObserver {
    let tokens: ConnectionTokens
    init(tokens: ConnectionTokens) { self.tokens = tokens }

    func socketConnected(_ socket: Socket) { tokens.scheduleExpiry(of: socket) }

    func socketDisconnected(_ socket: Socket, reason: DisconnectReason) {
        socket.access?.expiryTimer?.cancel()
        socket.access?.expiryTimer = nil
    }
}

extension String {
    fileprivate var replacingSpaces: String { String(map { $0 == " " ? "_" : $0 }) }
}

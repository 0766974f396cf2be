import PushCore

/// Asks the backend about every Socket.IO CONNECT, on every namespace, after the token check.
/// The answer admits (data merged into `socket.data`, rooms joined before the CONNECT reply)
/// or refuses with the backend's message; a backend that times out, cannot be reached, answers
/// non-2xx or malformed refuses with "auth backend unavailable", each logged with its reason.
final class ConnectHook: @unchecked Sendable {
    let url: HTTPClientURL
    let client: HookClient
    let headerNames: Set<String>
    let timeout: Int64
    let log: HookLog

    static let unavailable = "auth backend unavailable"

    init(url: HTTPClientURL, client: HookClient, configuration: HookConfiguration, log: HookLog) {
        self.url = url
        self.client = client
        self.headerNames = Set(configuration.headers.map { $0.lowercased() })
        self.timeout = configuration.timeout
        self.log = log
    }

    func install(on server: SocketServer) {
        server.useOnEveryNamespace { [self] socket, next in ask(socket, next) }
    }

    /// The request body: what the backend needs to decide.
    func body(for socket: Socket) -> [UInt8] {
        let handshake = socket.handshake
        var query: [JSONMember] = []
        for (name, value) in handshake.query where !query.contains(where: { $0.key == name }) {
            query.append(JSONMember(name, .string(value)))
        }
        var headers: [JSONMember] = []
        for (name, value) in handshake.headers {
            let key = name.lowercased()
            if headerNames.contains(key), !headers.contains(where: { $0.key == key }) {
                headers.append(JSONMember(key, .string(value)))
            }
        }
        let document = JSONValue.object([
            JSONMember("namespace", .string(socket.namespace.name)),
            JSONMember("sid", .string(socket.sessionID)),
            JSONMember("socketId", .string(socket.id)),
            JSONMember("auth", HookJSON.wrapBinary(handshake.auth)),
            JSONMember("query", .object(query)),
            JSONMember("headers", .object(headers)),
            JSONMember("address", .string(ServerAPI.hostPart(of: handshake.remoteAddress))),
            JSONMember("transport", .string(socket.transportName)),
            JSONMember("user", socket.data["user"] ?? .null),
            JSONMember("recovered", .bool(socket.recovered)),
        ])
        var bytes: [UInt8] = []
        document.serialize(into: &bytes)
        return bytes
    }

    private func ask(_ socket: Socket, _ next: @escaping (ConnectionRefused?) -> Void) {
        let loop = client.loops[socket.loopIndex]
        let namespace = socket.namespace.name
        client.post(url, kind: .connect, body: body(for: socket), on: loop, timeout: timeout) { [self] result in
            let response: HTTPClientResponse
            switch result {
            case .failure(let error):
                log.warning("connect:\(error)", "connect hook: refused a socket of \(namespace): \(error)")
                next(ConnectionRefused(Self.unavailable))
                return
            case .success(let answer):
                response = answer
            }
            guard response.isSuccess else {
                log.warning("connect:status", "connect hook: refused a socket of \(namespace): backend answered \(response.status)")
                next(ConnectionRefused(Self.unavailable))
                return
            }
            switch ConnectHookAnswer.decode(response.body) {
            case .failure(let error):
                log.warning("connect:malformed", "connect hook: refused a socket of \(namespace): malformed answer (\(error))")
                next(ConnectionRefused(Self.unavailable))
            case .success(.refuse(let message, let data)):
                Log.debug("connect hook: backend refused socket \(socket.id) of \(namespace): \(message)")
                next(ConnectionRefused(message, data: data))
            case .success(.allow(let data, let rooms, let user)):
                // Token data first, the hook's over it; but a verified token's user stays, and the
                // hook's user applies only when no token was presented.
                let tokenUser = socket.data["user"]
                let tokenPresented = socket.access != nil
                for member in data { socket.data[member.key] = member.value }
                if tokenPresented {
                    socket.data["user"] = tokenUser
                } else if let user {
                    socket.data["user"] = .string(user)
                }
                for room in rooms { socket.join(room) }
                next(nil)
            }
        }
    }
}

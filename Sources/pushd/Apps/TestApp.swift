import PushCore
import Synchronization

/// The server the end-to-end Socket.IO tests drive (`--app test`): echo, rooms and broadcasts,
/// server-to-client acknowledgements with a timeout, server-initiated disconnects,
/// `fetchSockets` / `socketsJoin` / `disconnectSockets`, middleware (immediate and deferred),
/// dynamic namespaces, and a log of why sockets disconnected that any client can read.
///
/// Namespaces: "/" and "/custom" (open), "/private" (auth.token must be "secret"),
/// "/async-private" (same check, answered later from another thread), and any "/dyn-…".
/// Every one of them handles the events below; room and broadcast events act on the
/// sender's namespace.
///
/// Events (arguments; "ack" means the answer goes to the acknowledgement when one is asked):
/// - "echo"(args…): ack(args…), or without an ack the event "echo"(args…) back
/// - "join"(room) / "leave"(room): ack([rooms…]) with the socket's rooms afterwards
/// - "rooms"(): ack([rooms…])
/// - "to-room"(room, event, args…): everyone in the room, sender included, gets event(args…)
/// - "to-room-others"(room, event, args…): the same without the sender
/// - "broadcast-except-me"(event, args…): every other socket of the namespace
/// - "emit-all"(event, args…): every socket of the namespace, sender included
/// - "except-room"(room, event, args…): every socket of the namespace not in the room
/// - "ask-client"(timeoutMs, args…): emits "question"(args…) asking for an ack within
///   timeoutMs; then emits "answer-result"({"status":"ok","args":[…]}) or
///   ({"status":"timeout"}); a disconnect first is logged as {"kind":"ack","result":"disconnected"}
/// - "disconnect-me": ack(), then `socket.disconnect()`
/// - "disconnect-me-hard": `socket.disconnect(closeTransport: true)`
/// - "fetch"(room?): ack({"ids":[…], "sockets":[{id, rooms, transport, data}…]}) from
///   `fetchSockets` (every socket of the namespace without a room)
/// - "sockets-join"(room, target?) / "sockets-leave"(room, target?): sockets in target
///   (everyone without one) join / leave room; ack()
/// - "disconnect-room"(room, closeTransport?): disconnects the room's sockets; ack()
/// - "handshake"(): ack({id, sessionID, nsp, headers:[[name, value]…], query:[[name, value]…],
///   auth, address, url, issuedAt, transport, rooms, data})
/// - "last-disconnect-reasons"(tag?): ack([entries…]) oldest first, only the tag's when given;
///   an entry is {"kind":"disconnect","id","nsp","tag","reason"} (tag: the auth's "tag")
///
/// - "server-side-emit"(args…) (main namespace): `serverSideEmit("ping-nodes", args…)` to the
///   other nodes of a cluster; ack([[args, "pong"] per node])
///
/// On connection a socket joins every room named in its auth's "rooms" array. Sockets of a
/// dynamic namespace get "welcome"({"nsp": name}) when they connect.
enum TestApp {
    /// Disconnect reasons (and abandoned acks) of every namespace, newest last.
    static let log = EventLog(capacity: 20_000)

    static func install(on server: SocketServer) {
        // Other nodes' "ping-nodes": answer with the arguments and this node's session count.
        server.onServerSideEmit("ping-nodes") { arguments, reply in
            reply([.array(arguments), "pong"])
        }
        server.onConnection { socket in
            attach(socket)
            // "server-side-emit"(args…): ack([[answer…] per other node]).
            socket.on("server-side-emit") { arguments, ack in
                server.serverSideEmit("ping-nodes", arguments) { answers in
                    ack?.send([.array(answers.map { .array($0) })])
                }
            }
        }
        server.of("/custom").onConnection { socket in attach(socket) }

        let privateNamespace = server.of("/private")
        privateNamespace.use { socket throws(ConnectionRefused) in
            guard socket.handshake.auth["token"]?.stringValue == "secret" else {
                throw ConnectionRefused("unauthorized", data: ["code": 401])
            }
            socket.data["user"] = "trusted"
        }
        privateNamespace.onConnection { socket in attach(socket) }

        // The same check, answered from whichever loop finishes a fetchSockets: the chain
        // must hop back to the socket's loop by itself.
        let asyncNamespace = server.of("/async-private")
        asyncNamespace.use { socket, next in
            let allowed = socket.handshake.auth["token"]?.stringValue == "secret"
            let later = Deferred(next)
            asyncNamespace.broadcastAll.fetchSockets { _ in
                later.call(allowed ? nil : ConnectionRefused("unauthorized", data: ["code": 401, "deferred": true]))
            }
        }
        asyncNamespace.onConnection { socket in attach(socket) }

        server.of(matching: { $0.hasPrefix("/dyn-") }) { namespace in
            namespace.onConnection { socket in
                attach(socket)
                socket.emit("welcome", ["nsp": .string(namespace.name)])
            }
        }
    }

    // MARK: Per socket

    static func attach(_ socket: Socket) {
        let namespace = socket.namespace
        let tag = socket.handshake.auth["tag"]?.stringValue ?? ""
        let socketID = socket.id
        if let rooms = socket.handshake.auth["rooms"]?.arrayValue {
            for room in rooms {
                if let name = room.stringValue { socket.join(name) }
            }
        }

        socket.onDisconnect { reason in
            log.record(.object([
                JSONMember("kind", "disconnect"),
                JSONMember("id", .string(socketID)),
                JSONMember("nsp", .string(namespace.name)),
                JSONMember("tag", .string(tag)),
                JSONMember("reason", .string(reason.description)),
            ]))
        }

        socket.on("echo") { arguments, ack in
            if let ack { ack.send(arguments) } else { socket.emit("echo", arguments) }
        }

        socket.on("join") { arguments, ack in
            guard let room = arguments.first?.stringValue else { ack?.send([["error": "room name expected"]]); return }
            socket.join(room)
            ack?.send([strings(socket.rooms.sorted())])
        }

        socket.on("leave") { arguments, ack in
            guard let room = arguments.first?.stringValue else { ack?.send([["error": "room name expected"]]); return }
            socket.leave(room)
            ack?.send([strings(socket.rooms.sorted())])
        }

        socket.on("rooms") { _, ack in
            ack?.send([strings(socket.rooms.sorted())])
        }

        socket.on("to-room") { arguments, ack in
            guard arguments.count >= 2, let room = arguments[0].stringValue, let event = arguments[1].stringValue else { return }
            namespace.to(room).emit(event, Array(arguments.dropFirst(2)))
            ack?.send([])
        }

        socket.on("to-room-others") { arguments, ack in
            guard arguments.count >= 2, let room = arguments[0].stringValue, let event = arguments[1].stringValue else { return }
            socket.to(room).emit(event, Array(arguments.dropFirst(2)))
            ack?.send([])
        }

        socket.on("broadcast-except-me") { arguments, ack in
            guard let event = arguments.first?.stringValue else { return }
            socket.broadcast.emit(event, Array(arguments.dropFirst()))
            ack?.send([])
        }

        socket.on("emit-all") { arguments, ack in
            guard let event = arguments.first?.stringValue else { return }
            namespace.broadcastAll.emit(event, Array(arguments.dropFirst()))
            ack?.send([])
        }

        socket.on("except-room") { arguments, ack in
            guard arguments.count >= 2, let room = arguments[0].stringValue, let event = arguments[1].stringValue else { return }
            namespace.except(room).emit(event, Array(arguments.dropFirst(2)))
            ack?.send([])
        }

        socket.on("ask-client") { arguments, ack in
            let timeout = Int64(arguments.first?.intValue ?? 1000)
            socket.emit("question", Array(arguments.dropFirst()), timeout: timeout) { result in
                switch result {
                case .success(let answer):
                    socket.emit("answer-result", ["status": "ok", "args": .array(answer)])
                case .failure(.timeout):
                    socket.emit("answer-result", ["status": "timeout"])
                case .failure(.disconnected):
                    log.record(.object([
                        JSONMember("kind", "ack"),
                        JSONMember("id", .string(socketID)),
                        JSONMember("nsp", .string(namespace.name)),
                        JSONMember("tag", .string(tag)),
                        JSONMember("result", "disconnected"),
                    ]))
                }
            }
            ack?.send([])
        }

        socket.on("disconnect-me") { _, ack in
            ack?.send([])
            socket.disconnect()
        }

        socket.on("disconnect-me-hard") { _, _ in
            socket.disconnect(closeTransport: true)
        }

        socket.on("fetch") { arguments, ack in
            guard let ack else { return }
            let room = arguments.first?.stringValue
            let chosen = room.map { namespace.to($0) } ?? namespace.broadcastAll
            chosen.fetchSockets { snapshots in
                let sorted = snapshots.sorted { $0.id < $1.id }
                ack.send([.object([
                    JSONMember("ids", strings(sorted.map(\.id))),
                    JSONMember("sockets", .array(sorted.map { describe($0) })),
                ])])
            }
        }

        socket.on("sockets-join") { arguments, ack in
            guard let room = arguments.first?.stringValue else { return }
            let target = arguments.count > 1 ? arguments[1].stringValue : nil
            (target.map { namespace.to($0) } ?? namespace.broadcastAll).socketsJoin(room)
            ack?.send([])
        }

        socket.on("sockets-leave") { arguments, ack in
            guard let room = arguments.first?.stringValue else { return }
            let target = arguments.count > 1 ? arguments[1].stringValue : nil
            (target.map { namespace.to($0) } ?? namespace.broadcastAll).socketsLeave(room)
            ack?.send([])
        }

        socket.on("disconnect-room") { arguments, ack in
            guard let room = arguments.first?.stringValue else { return }
            let closeTransport = arguments.count > 1 ? (arguments[1].boolValue ?? false) : false
            ack?.send([])
            namespace.to(room).disconnectSockets(closeTransport: closeTransport)
        }

        socket.on("set-data") { arguments, ack in
            guard arguments.count >= 2, let key = arguments[0].stringValue else { return }
            socket.data[key] = arguments[1]
            ack?.send([])
        }

        socket.on("volatile-to-me") { arguments, ack in
            guard let event = arguments.first?.stringValue else { return }
            socket.emit(event, Array(arguments.dropFirst()), volatile: true)
            ack?.send([])
        }

        socket.on("handshake") { _, ack in
            ack?.send([handshake(of: socket)])
        }

        socket.on("last-disconnect-reasons") { arguments, ack in
            ack?.send([.array(log.entries(tag: arguments.first?.stringValue))])
        }
    }

    // MARK: Values

    static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { JSONValue.string($0) })
    }

    static func pairs(_ values: [(String, String)]) -> JSONValue {
        .array(values.map { pair in JSONValue.array([.string(pair.0), .string(pair.1)]) })
    }

    static func object(_ data: [String: JSONValue]) -> JSONValue {
        .object(data.keys.sorted().map { key in JSONMember(key, data[key] ?? .null) })
    }

    static func describe(_ snapshot: SocketSnapshot) -> JSONValue {
        .object([
            JSONMember("id", .string(snapshot.id)),
            JSONMember("rooms", strings(snapshot.rooms.sorted())),
            JSONMember("transport", .string(snapshot.transportName)),
            JSONMember("data", object(snapshot.data)),
        ])
    }

    static func handshake(of socket: Socket) -> JSONValue {
        let handshake = socket.handshake
        var members: [JSONMember] = []
        members.append(JSONMember("id", .string(socket.id)))
        members.append(JSONMember("sessionID", .string(socket.sessionID)))
        members.append(JSONMember("nsp", .string(socket.namespace.name)))
        members.append(JSONMember("headers", pairs(handshake.headers)))
        members.append(JSONMember("query", pairs(handshake.query)))
        members.append(JSONMember("auth", handshake.auth))
        members.append(JSONMember("address", .string(handshake.remoteAddress)))
        members.append(JSONMember("url", .string(handshake.url)))
        members.append(JSONMember("issuedAt", .number(Double(handshake.issuedAt))))
        members.append(JSONMember("transport", .string(socket.transportName)))
        members.append(JSONMember("rooms", strings(socket.rooms.sorted())))
        members.append(JSONMember("data", object(socket.data)))
        members.append(JSONMember("recovered", .bool(socket.recovered)))
        return .object(members)
    }

    // MARK: Helpers

    /// A bounded list of JSON entries shared by every loop.
    final class EventLog: Sendable {
        private let storage = Mutex<[JSONValue]>([])
        private let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
        }

        func record(_ entry: JSONValue) {
            let limit = capacity
            storage.withLock { list in
                list.append(entry)
                if list.count > limit { list.removeFirst(list.count - limit) }
            }
        }

        /// Entries oldest first; with a tag, only those whose "tag" matches.
        func entries(tag: String?) -> [JSONValue] {
            storage.withLock { list in
                guard let tag else { return list }
                return list.filter { $0["tag"]?.stringValue == tag }
            }
        }
    }

    /// Carries a middleware's `next` to the thread that decides. Unchecked Sendable: `next` is
    /// safe from any thread (the middleware chain hops back to the socket's loop by itself).
    final class Deferred: @unchecked Sendable {
        private let next: (ConnectionRefused?) -> Void

        init(_ next: @escaping (ConnectionRefused?) -> Void) {
            self.next = next
        }

        func call(_ refusal: ConnectionRefused?) {
            next(refusal)
        }
    }
}

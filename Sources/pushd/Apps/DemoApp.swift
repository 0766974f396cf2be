import PushCore
import Transports

/// The default app behind the demo page: chat rooms, echo, latency pings, bursts, server push to
/// one page, and each session's own wire counters so the page can compare transports with real
/// numbers. A page's panels share a page id (handshake auth `{"page": id}`); a separate meter
/// connection (`{"meter": id}`) reads their counters and starts pushes, so the panels carry only
/// their own traffic.
enum DemoApp {
    /// Longest chat line kept; longer ones are cut.
    static let maxChatCharacters = 2_000
    /// How often a panel's counters are sampled for the meter.
    static let sampleMilliseconds: Int64 = 1_000

    static func install(on server: SocketServer, engine: EngineServer) {
        server.onConnection { socket in
            let isMeter = pageID(socket.handshake.auth["meter"]) != nil
            if !isMeter { socket.join("lobby") }
            if let page = pageID(socket.handshake.auth["page"]) {
                socket.join(pageRoom(page))
                sampleCounters(of: socket, number: 0)
            }
        }
        // The handlers below are the namespace's, shared by every socket: an idle connection
        // carries none of its own.

        // Simulated round trip for this page's session: every HTTP response and stream
        // write waits this long (0 to 500 ms).
        server.onEvent("delay") { socket, arguments, ack in
            let asked = Int64(min(max(arguments.first?.intValue ?? 0, 0), Int(EngineSocket.maxSimulatedDelay)))
            engine.session(socket.sessionID)?.setSimulatedDelay(asked)
            ack?.send([.number(Double(asked))])
        }

        // Server push to the panels of one page (the asker's own, or the one named), at
        // most DemoTicker.maxRate per second: {"rate": n, "page": id}, 0 stops.
        server.onEvent("ticker") { socket, arguments, ack in
            let rate = min(max(arguments.first?["rate"]?.intValue ?? 0, 0), DemoTicker.maxRate)
            let page = pageID(arguments.first?["page"]) ?? pageID(socket.handshake.auth["page"])
            let room = page.map(pageRoom) ?? socket.id
            let ticker = DemoTicker.of(socket, server: server)
            if rate > 0 { ticker.start(rate: rate, to: room, on: socket) } else { ticker.stop() }
            ack?.send([["rate": .number(Double(rate))]])
        }

        // The meter: the latest counter sample of every panel of a page.
        server.onEvent("meter") { _, arguments, ack in
            guard let ack, let page = pageID(arguments.first) else { return }
            server.to(pageRoom(page)).fetchSockets { snapshots in
                ack.send([.array(snapshots.map { ["id": .string($0.id), "counters": $0.data["counters"] ?? .null] })])
            }
        }

        // Echo: the same arguments back, as an event or as the acknowledgement.
        server.onEvent("echo") { socket, arguments, ack in
            if let ack { ack.send(arguments) } else { socket.emit("echo", arguments) }
        }

        // Latency probe: the acknowledgement carries nothing; the client times the round trip.
        server.onEvent("ping") { _, _, ack in ack?.send([]) }

        // Throughput: each burst event is acknowledged with its sequence number.
        server.onEvent("burst") { _, arguments, ack in ack?.send([arguments.first ?? .null]) }

        server.onEvent("stats") { socket, _, ack in
            ack?.send([counters(of: socket)])
        }

        server.onEvent("join") { socket, arguments, ack in
            guard let room = roomName(arguments.first) else { ack?.send([["error": "bad room name"]]); return }
            socket.join(room)
            socket.to(room).emit("joined", ["room": .string(room), "id": .string(socket.id)])
            ack?.send([["room": .string(room)]])
        }

        server.onEvent("leave") { socket, arguments, ack in
            guard let room = roomName(arguments.first) else { return }
            socket.leave(room)
            socket.to(room).emit("left", ["room": .string(room), "id": .string(socket.id)])
            ack?.send([])
        }

        server.onEvent("chat") { socket, arguments, ack in
            guard case .object? = arguments.first, let room = roomName(arguments.first?["room"]),
                  let text = arguments.first?["text"]?.stringValue, socket.rooms.contains(room) else {
                ack?.send([["error": "join the room first"]])
                return
            }
            let line: JSONValue = [
                "room": .string(room), "from": .string(socket.id),
                "text": .string(String(text.prefix(maxChatCharacters))),
                "transport": .string(socket.transportName),
            ]
            server.to(room).emit("chat", line)
            ack?.send([])
        }

        server.onEvent("typing") { socket, arguments, _ in
            guard let room = roomName(arguments.first), socket.rooms.contains(room) else { return }
            socket.to(room).volatile.emit("typing", ["room": .string(room), "from": .string(socket.id)])
        }
    }

    /// Room names are short printable strings; socket ids are rooms too, so none may be joined
    /// by name here.
    static func roomName(_ value: JSONValue?) -> String? {
        guard let name = value?.stringValue, (1...64).contains(name.count),
              name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return nil }
        return name
    }

    /// A page id: 1 to 64 letters, digits, '-' or '_'.
    static func pageID(_ value: JSONValue?) -> String? {
        guard let id = value?.stringValue, (1...64).contains(id.utf8.count),
              id.utf8.allSatisfy({ $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        return id
    }

    static func pageRoom(_ id: String) -> String { "page:" + id }

    /// Keeps the socket's latest counters in its data, numbered, once a second while connected
    /// (the meter reads them from any loop with fetchSockets).
    static func sampleCounters(of socket: Socket, number: Int) {
        guard socket.isConnected || number == 0 else { return }
        var sample = counters(of: socket)
        if case .object(var members) = sample {
            members.append(JSONMember("sample", .number(Double(number))))
            sample = .object(members)
        }
        socket.data["counters"] = sample
        socket.schedule(after: sampleMilliseconds) { sampleCounters(of: socket, number: number + 1) }
    }

    static func counters(of socket: Socket) -> JSONValue {
        let counters = socket.counters
        return [
            "transport": .string(socket.transportName),
            "messagesIn": .number(Double(counters.messagesIn)),
            "messagesOut": .number(Double(counters.messagesOut)),
            "bytesIn": .number(Double(counters.bytesIn)),
            "bytesOut": .number(Double(counters.bytesOut)),
            "httpRequests": .number(Double(counters.httpRequests)),
            "headBytesIn": .number(Double(counters.headBytesIn)),
            "headBytesOut": .number(Double(counters.headBytesOut)),
            "httpResponses": .number(Double(counters.httpResponses)),
            "httpResponseBytes": .number(Double(counters.httpResponseBytes)),
        ]
    }
}

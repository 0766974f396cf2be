import PushCore

/// The default app behind the demo page: chat rooms, echo, latency pings, bursts, and each
/// session's own wire counters so the page can compare transports with real numbers.
enum DemoApp {
    /// Longest chat line kept; longer ones are cut.
    static let maxChatCharacters = 2_000

    static func install(on server: SocketServer) {
        let ticker = DemoTicker(server: server)
        server.onConnection { socket in
            socket.join("lobby")

            // Server push at a chosen rate to everyone: {"rate": n} per second, 0 stops.
            socket.on("ticker") { arguments, ack in
                let rate = arguments.first?["rate"]?.intValue ?? 0
                if rate > 0 { ticker.start(rate: rate, on: socket) } else { ticker.stop() }
                ack?.send([["rate": .number(Double(min(max(rate, 0), DemoTicker.maxRate)))]])
            }

            // Echo: the same arguments back, as an event or as the acknowledgement.
            socket.on("echo") { arguments, ack in
                if let ack { ack.send(arguments) } else { socket.emit("echo", arguments) }
            }

            // Latency probe: the acknowledgement carries nothing; the client times the round trip.
            socket.on("ping") { _, ack in ack?.send([]) }

            // Throughput: each burst event is acknowledged with its sequence number.
            socket.on("burst") { arguments, ack in ack?.send([arguments.first ?? .null]) }

            socket.on("stats") { _, ack in
                ack?.send([counters(of: socket)])
            }

            socket.on("join") { arguments, ack in
                guard let room = roomName(arguments.first) else { ack?.send([["error": "bad room name"]]); return }
                socket.join(room)
                socket.to(room).emit("joined", ["room": .string(room), "id": .string(socket.id)])
                ack?.send([["room": .string(room)]])
            }

            socket.on("leave") { arguments, ack in
                guard let room = roomName(arguments.first) else { return }
                socket.leave(room)
                socket.to(room).emit("left", ["room": .string(room), "id": .string(socket.id)])
                ack?.send([])
            }

            socket.on("chat") { arguments, ack in
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

            socket.on("typing") { arguments, _ in
                guard let room = roomName(arguments.first), socket.rooms.contains(room) else { return }
                socket.to(room).volatile.emit("typing", ["room": .string(room), "from": .string(socket.id)])
            }
        }
    }

    /// Room names are short printable strings; socket ids are rooms too, so none may be joined
    /// by name here.
    static func roomName(_ value: JSONValue?) -> String? {
        guard let name = value?.stringValue, (1...64).contains(name.count),
              name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return nil }
        return name
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
        ]
    }
}

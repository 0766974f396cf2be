// A complete chat server on pushd's Swift API: rooms, acknowledgements, typed payloads and
// a middleware that asks for a nickname. Run: swift run chat-example, then connect with
// client.js (io("http://localhost:3001", { auth: { name: "ada" } })).
import PushCore
import Transports

struct ChatLine: Codable {
    var room: String
    var text: String
}

var configuration = PushServerConfiguration()
configuration.port = 3001
configuration.engine.origins = .any

let server = try PushServer(configuration: configuration)
let chat = server.sockets

// Refuse clients that do not say who they are.
chat.use { socket throws(ConnectionRefused) in
    guard let name = socket.handshake.auth["name"]?.stringValue, !name.isEmpty else {
        throw ConnectionRefused("a name is required", data: ["field": "name"])
    }
    socket.data["name"] = .string(name)
}

chat.onConnection { socket in
    let name = socket.data["name"] ?? "anonymous"
    socket.join("general")
    socket.to("general").emit("joined", name)

    socket.on("say", as: ChatLine.self) { line, ack in
        guard socket.rooms.contains(line.room) else {
            ack?(.string("not in room \(line.room)"))
            return
        }
        chat.to(line.room).emit("said", ["from": name, "text": .string(line.text)])
        ack?()
    }

    socket.on("join") { arguments, ack in
        guard let room = arguments.first?.stringValue else { return }
        socket.join(room)
        ack?(.array(socket.rooms.sorted().map { .string($0) }))
    }

    socket.onDisconnect { reason in
        chat.to("general").emit("left", name, .string(reason.description))
    }
}

try server.start()
print("chat example on http://localhost:\(server.port)")
server.waitForShutdownSignal()

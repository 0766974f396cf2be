import PushCore

/// The server the public Socket.IO v5 protocol test suite expects.
enum SocketIOReferenceApp {
    static func install(on server: SocketServer) {
        server.onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
            socket.on("message") { arguments, _ in
                socket.emit("message-back", arguments)
            }
            socket.on("message-with-ack") { arguments, ack in
                ack?.send(arguments)
            }
        }
        server.of("/custom").onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
        }
    }
}

import PushCore
import Transports

/// The benchmark convention at the engine level: a message whose first byte is `B` goes to
/// every open session (the sender too), in order per session; any other message is echoed to
/// its sender. One task per loop per broadcast; the packet is wrapped once per loop, and each
/// loop walks the engine server's own list of its sessions.
final class BenchApp: EngineApplication, Sendable {
    private let loops: [EventLoop]

    init(loops: [EventLoop]) {
        self.loops = loops
    }

    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        guard packet.payload.first == UInt8(ascii: "B") else {
            socket.send(packet)
            return
        }
        let server = socket.server
        for loop in loops {
            loop.run {
                let shared = OutboundPacket(packet)
                server.forEachSession(on: loop) { $0.send(shared) }
            }
        }
    }
}

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
        broadcast(packet, from: socket)
    }

    /// An echo goes back from where it lies; a broadcast keeps a copy.
    func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool) {
        guard !payload.isEmpty, payload.unsafeLoad(as: UInt8.self) == UInt8(ascii: "B") else {
            socket.send(message: payload, isBinary: isBinary)
            return
        }
        let packet = payload.withUnsafeBytes { EnginePacket(type: .message, payload: Array($0), isBinary: isBinary) }
        broadcast(packet, from: socket)
    }

    @inline(never)
    private func broadcast(_ packet: EnginePacket, from socket: EngineSocket) {
        let server = socket.server
        for loop in loops {
            loop.run {
                let shared = OutboundPacket(packet)
                server.forEachSession(on: loop) { $0.send(shared) }
            }
        }
    }
}

import PushCore
import Transports

/// Echoes every engine message back to its sender: the server the Engine.IO protocol test
/// suite expects.
final class EngineEchoApp: EngineApplication {
    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        socket.send(packet)
    }

    func engineSocket(_ socket: EngineSocket, didReceiveMessage payload: RawSpan, isBinary: Bool) {
        socket.send(message: payload, isBinary: isBinary)
    }
}

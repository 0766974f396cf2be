import PushCore
import Transports

/// The benchmark convention at the engine level: a message whose first byte is `B` goes to
/// every open session (the sender too), in order per session; any other message is echoed to
/// its sender. One task per loop per broadcast; the packet is wrapped once per loop.
/// Sendable: the per-loop session tables are bound to their loops (`LoopBoundBox`).
final class BenchApp: EngineApplication, Sendable {
    /// Sessions per loop, indexed by loop.
    private let sessions: [LoopBoundBox<[String: EngineSocket]>]
    private let loops: [EventLoop]

    init(loops: [EventLoop]) {
        self.loops = loops
        self.sessions = loops.map { LoopBoundBox(takingOwnershipOf: [:], loop: $0) }
    }

    func engineSocketOpened(_ socket: EngineSocket) {
        sessions[socket.loop.index].value[socket.id] = socket
    }

    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        guard packet.payload.first == UInt8(ascii: "B") else {
            socket.send(packet)
            return
        }
        for loop in loops {
            let local = sessions[loop.index]
            loop.run {
                let shared = OutboundPacket(packet)
                for session in local.value.values { session.send(shared) }
            }
        }
    }

    func engineSocketClosed(_ socket: EngineSocket, reason: EngineCloseReason) {
        sessions[socket.loop.index].value[socket.id] = nil
    }
}

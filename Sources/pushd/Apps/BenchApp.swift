import PushCore
import Transports

/// The benchmark convention at the engine level: a message whose first byte is `B` goes to
/// every open session (the sender too), in order per session; any other message is echoed to
/// its sender. One task per loop per broadcast; the packet is wrapped once per loop.
final class BenchApp: EngineApplication, @unchecked Sendable {
    /// Sessions per loop, touched only on that loop.
    private let sessions: [LoopSessions]
    private let loops: [EventLoop]

    /// Loop-confined.
    final class LoopSessions: @unchecked Sendable {
        var byID: [String: EngineSocket] = [:]
    }

    init(loops: [EventLoop]) {
        self.loops = loops
        self.sessions = loops.map { _ in LoopSessions() }
    }

    func engineSocketOpened(_ socket: EngineSocket) {
        sessions[socket.loop.index].byID[socket.id] = socket
    }

    func engineSocket(_ socket: EngineSocket, didReceive packet: EnginePacket) {
        guard packet.payload.first == UInt8(ascii: "B") else {
            socket.send(packet)
            return
        }
        for loop in loops {
            let local = sessions[loop.index]
            let deliver: @Sendable () -> Void = {
                let shared = OutboundPacket(packet)
                for session in local.byID.values { session.send(shared) }
            }
            if loop.inEventLoop { deliver() } else { loop.execute(deliver) }
        }
    }

    func engineSocketClosed(_ socket: EngineSocket, reason: EngineCloseReason) {
        sessions[socket.loop.index].byID[socket.id] = nil
    }
}

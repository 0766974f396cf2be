import PushCore

/// Messages whose payload is lent (a span of the connection's input), sent on without being
/// copied into a packet of their own first.
extension EngineSocket {
    /// Sends a message whose payload is given as bytes, as `send(_:volatile:)` sends a
    /// message packet: written straight into the WebSocket's frame when one on this loop takes
    /// it now, else copied into a packet that queues like any other.
    public func send(message payload: RawSpan, isBinary: Bool = false, volatile: Bool = false) {
        loop.assertInLoop()
        payload.withUnsafeBytes { bytes in
            if let direct = directWebSocket {
                direct._withUnsafeGuaranteedRef { connection in
                    let outcome = session.admit(cost: OutboundPacket.queueCost(payloadCount: bytes.count), isVolatile: volatile,
                                                transportBacklog: connection.queuedBytes)
                    carryOut(outcome) {
                        wroteFrame(of: WebSocketTransport.writeMessageFrame(bytes, isBinary: isBinary, to: connection))
                    }
                }
                return
            }
            send(EnginePacket(type: .message, payload: Array(bytes), isBinary: isBinary), volatile: volatile)
        }
    }
}

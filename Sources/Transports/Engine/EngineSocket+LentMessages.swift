import PushCore

/// Messages whose payload is lent (a span of the connection's input), sent on without being
/// copied into a packet of their own first.
extension EngineSocket {
    /// Sends a message whose payload is given as bytes, as `send(_:volatile:)` sends a
    /// message packet: written straight into the WebSocket's frame when one on this loop takes
    /// it now, else copied into a packet that queues like any other.
    public func send(message payload: RawSpan, isBinary: Bool = false, volatile: Bool = false) {
        loop.assertInLoop()
        guard let direct = directWebSocket else {
            send(EnginePacket(type: .message, payload: payload.withUnsafeBytes { Array($0) }, isBinary: isBinary), volatile: volatile)
            return
        }
        // As in `send(_:volatile:)`: the policy asked outside the closures that write.
        let outcome = session.admit(cost: OutboundPacket.queueCost(payloadCount: payload.byteCount), isVolatile: volatile,
                                    transportBacklog: direct._withUnsafeGuaranteedRef { $0.queuedBytes })
        carryOut(outcome) {
            payload.withUnsafeBytes { bytes in
                direct._withUnsafeGuaranteedRef { wroteFrame(of: WebSocketTransport.writeMessageFrame(bytes, isBinary: isBinary, to: $0)) }
            }
        }
    }

    /// Sends a text message that `encode` appends to the array it is given: encoded in the
    /// loop's spare array and written from there when a WebSocket takes it now (a reply, an
    /// acknowledgement), else encoded in an array of its own that queues as a packet.
    public func send(volatile: Bool, text encode: (inout [UInt8]) -> Void) {
        loop.assertInLoop()
        guard directWebSocket != nil else {
            var text: [UInt8] = []
            encode(&text)
            send(.message(utf8: text), volatile: volatile)
            return
        }
        var text = loop.takeSpareBytes()
        encode(&text)
        text.withUnsafeBytes { send(message: $0.bytes, volatile: volatile) }
        loop.recycle(text)
    }
}

/// A Socket.IO packet encoded once into the engine messages that carry it: the text packet,
/// then one binary message per attachment.
public struct SocketWire: Sendable {
    public let messages: [EnginePacket]

    public init(_ packet: SocketPacket) {
        var messages: [EnginePacket] = []
        Self.forEachMessage(of: packet) { messages.append($0) }
        self.messages = messages
    }

    /// Hands `body` the engine messages of `packet` in order, without an array of them (a
    /// packet sent to one socket needs none).
    static func forEachMessage(of packet: SocketPacket, _ body: (EnginePacket) -> Void) {
        let (text, attachments) = SocketPacketEncoder.encode(packet)
        body(.message(utf8: text))
        for attachment in attachments { body(.message(binary: attachment)) }
    }

    /// Engine messages already encoded (a broadcast from another node).
    public init(messages: [EnginePacket]) {
        self.messages = messages
    }

    /// Per-loop packets a broadcast shares between every recipient on that loop.
    public func outbound(volatile: Bool) -> [OutboundPacket] {
        messages.map { OutboundPacket($0, isVolatile: volatile) }
    }
}

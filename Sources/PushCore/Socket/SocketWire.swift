/// A Socket.IO packet encoded once into the engine messages that carry it: the text packet,
/// then one binary message per attachment.
public struct SocketWire: Sendable {
    public let messages: [EnginePacket]

    public init(_ packet: SocketPacket) {
        let (text, attachments) = SocketPacketEncoder.encode(packet)
        var messages: [EnginePacket] = [.message(utf8: text)]
        for attachment in attachments { messages.append(.message(binary: attachment)) }
        self.messages = messages
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

/// A packet on its way down, with the encodings each transport makes of it cached.
///
/// A broadcast makes one of these per event loop and hands the same object to every recipient
/// there, so each wire format is encoded once per loop, not once per socket. Confined to one loop.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks (a third of the
/// user-space instructions per message when they were on).
public final class OutboundPacket {
    public let packet: EnginePacket
    /// Volatile packets may be dropped for a slow consumer instead of queued.
    public let isVolatile: Bool
    /// Bytes of the packet on the wire (its payload plus the type byte).
    public let byteCount: Int
    /// Memory a queued packet holds besides its payload: this object, the payload's array
    /// header, the queue slot and allocator rounding (about 120 bytes measured for a one-byte
    /// echo). Queue caps count it, so a flood of tiny packets costs what it really holds.
    public static let memoryOverhead = 128
    /// What this packet costs in a queue: its bytes plus `memoryOverhead`.
    public var queueCost: Int { byteCount &+ Self.memoryOverhead }
    /// The complete WebSocket frame, once made.
    @exclusivity(unchecked) public var webSocketFrame: ByteChunk?
    /// The complete SSE event, once made.
    @exclusivity(unchecked) public var sseEvent: ByteChunk?

    public init(_ packet: EnginePacket, isVolatile: Bool = false) {
        self.packet = packet
        self.isVolatile = isVolatile
        self.byteCount = packet.payload.count + 1
    }
}

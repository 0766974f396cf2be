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
    @inlinable
    public var queueCost: Int { byteCount &+ Self.memoryOverhead }
    /// What `packet` would cost in a queue.
    @inlinable
    public static func queueCost(of packet: EnginePacket) -> Int { queueCost(payloadCount: packet.payload.count) }
    /// What a packet of `payloadCount` payload bytes would cost in a queue.
    @inlinable
    public static func queueCost(payloadCount: Int) -> Int { payloadCount &+ 1 &+ memoryOverhead }
    /// The complete WebSocket frame, once made.
    public var webSocketFrame: ByteChunk? {
        @inline(never) get { cachedFrame }
        @inline(never) set { cachedFrame = newValue }
    }
    /// The complete SSE event, once made.
    public var sseEvent: ByteChunk? {
        @inline(never) get { cachedEvent }
        @inline(never) set { cachedEvent = newValue }
    }
    // Reached only through the accessors above, which stay in this module: inlined into
    // another, the access lost its `unchecked` and paid a runtime exclusivity check.
    @exclusivity(unchecked) private var cachedFrame: ByteChunk?
    @exclusivity(unchecked) private var cachedEvent: ByteChunk?

    public init(_ packet: EnginePacket, isVolatile: Bool = false) {
        self.packet = packet
        self.isVolatile = isVolatile
        self.byteCount = packet.payload.count + 1
    }
}

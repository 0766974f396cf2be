/// What an event-stream session keeps so a stream the browser's EventSource reopens with
/// `Last-Event-ID` resumes where it broke: the packets last written, by number, bounded by
/// `limit`. Only event-stream sessions have one (every other session is 32 bytes smaller).
final class EventStreamLog {
    /// Packets kept: what the client may have lost in a cut stream, without the session
    /// growing past a small, fixed cost.
    static let limit = (packets: 256, bytes: 64 << 10)

    // Touched only by its session, on the session's loop: no runtime exclusivity checks
    // (two per event written).
    @exclusivity(unchecked) private var packets: [OutboundPacket] = []
    @exclusivity(unchecked) private var bytes = 0
    /// The number of the last packet written (its SSE `id:`).
    @exclusivity(unchecked) private(set) var sequence: UInt64 = 0
    /// The number of the last ping written: its pong proves the client read the stream up to
    /// there, so the log lets go of it (an idle stream keeps next to nothing).
    @exclusivity(unchecked) private var pingSequence: UInt64 = 0

    /// The open packet goes out as number 1 and is not kept: a client can only resume with a
    /// Last-Event-ID once it read an event, so it has this one (an idle stream would otherwise
    /// keep it until its first pong).
    func numberOpenPacket() {
        sequence += 1
    }

    /// Packets written on the stream now, numbered from `sequence + 1`.
    func record(_ written: ArraySlice<OutboundPacket>) {
        for packet in written {
            packets.append(packet)
            bytes += packet.byteCount
            sequence += 1
            if packet.packet.type == .ping { pingSequence = sequence }
        }
        var drop = 0
        while packets.count - drop > Self.limit.packets || (bytes > Self.limit.bytes && packets.count - drop > 1) {
            bytes -= packets[drop].byteCount
            drop += 1
        }
        if drop > 0 { packets.removeFirst(drop) }
    }

    /// The packets written after `number`, taken out of the log (they will be written again
    /// with the same numbers); nil when some of them are no longer kept.
    func take(after number: UInt64) -> [OutboundPacket]? {
        guard number <= sequence else { return nil }
        let count = Int(sequence - number)
        guard count <= packets.count else { return nil }
        let resent = Array(packets.suffix(count))
        packets.removeLast(count)
        for packet in resent { bytes -= packet.byteCount }
        sequence = number
        return resent
    }

    /// A pong arrived: what the stream carried up to the last ping has arrived too.
    func pongReceived() {
        let first = sequence - UInt64(packets.count) + 1
        guard pingSequence >= first else { return }
        let arrived = Int(min(UInt64(packets.count), pingSequence - first + 1))
        for packet in packets.prefix(arrived) { bytes -= packet.byteCount }
        packets.removeFirst(arrived)
    }

    /// The session closed: nothing will be resent.
    func removeAll() {
        packets.removeAll()
        bytes = 0
    }
}

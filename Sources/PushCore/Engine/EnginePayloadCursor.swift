/// Reads a polling payload one packet at a time, for bodies taken in at the message rate's
/// pace: what waits is the body's bytes, never a decoded packet per record (a 1 MB body of
/// one-byte messages is 333,000 packets).
public struct EnginePayloadCursor {
    private let body: [UInt8]
    private var offset = 0

    /// A cursor at the start of `body`, which `EngineCodec.checkPayload` accepted.
    public init(body: [UInt8]) {
        self.body = body
    }

    /// Whether every record was read.
    public var isAtEnd: Bool { offset >= body.count }

    /// Bytes still unread.
    public var remainingBytes: Int { max(0, body.count - offset) }

    /// The next packet, or nil at the end.
    public mutating func next() -> EnginePacket? {
        while offset < body.count {
            let start = offset
            let packet = body.withUnsafeBytes { buffer -> EnginePacket? in
                let end = buffer[start...].firstIndex(of: EngineCodec.recordSeparator) ?? buffer.count
                offset = end + 1
                // The body was checked whole, so every record is well formed.
                return try? EngineCodec.decodeTextForm(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
            }
            if let packet { return packet }
        }
        return nil
    }
}

/// Engine.IO v4 packet encoding and decoding for pushd's transports. No I/O: bytes in, bytes out.
///
/// A packet has one "text form", shared by long-polling, plain polling and SSE:
/// the type digit followed by the UTF-8 payload ("4hello", "2probe", "6"), or for a binary
/// message "b" followed by the standard base64 of the bytes ("bAQIDBA=="). WebSocket frames
/// carry the same text form in text frames, and binary messages as raw binary frames.
///
/// The transport-specific parts live in extensions: `decodePayload`/`appendPayload` (polling
/// payloads joined by 0x1E), `decodeWebSocketText`/`webSocketFrame` (one packet per frame) and
/// `appendSSEEvent` (one server-sent event per packet).
public enum EngineCodec {
    /// Decodes one packet in text form, checking that it is well-formed UTF-8.
    ///
    /// Unlike `decodePayload`, a 0x1E byte is payload here, not a separator: this reads the data
    /// of one SSE event or one WebSocket text frame.
    public static func decodePollingPacket(_ bytes: UnsafeRawBufferPointer) throws(EngineDecodeError) -> EnginePacket {
        guard UTF8Validator.isValid(bytes) else { throw .invalidUTF8 }
        return try decodeTextForm(bytes)
    }

    /// Decodes one packet in text form from an array; see the buffer-pointer overload.
    public static func decodePollingPacket(_ bytes: [UInt8]) throws(EngineDecodeError) -> EnginePacket {
        try withBytes(bytes) { (buffer) throws(EngineDecodeError) in try decodePollingPacket(buffer) }
    }

    /// Appends `packet` in text form: the type digit and UTF-8 payload, or "b" + base64 for a
    /// binary message. Used for polling payloads and for encode-once broadcast buffers.
    public static func appendPollingPacket(_ packet: EnginePacket, into out: inout [UInt8]) {
        if packet.isBinary && packet.type == .message {
            out.append(UInt8(ascii: "b"))
            Base64.encode(packet.payload, into: &out)
        } else {
            out.append(packet.type.wireDigit)
            out.append(contentsOf: packet.payload)
        }
    }

    /// `packet` in text form as a new array.
    public static func pollingPacket(_ packet: EnginePacket) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pollingPacketSize(packet))
        appendPollingPacket(packet, into: &out)
        return out
    }

    /// The exact number of bytes `appendPollingPacket` writes for `packet`.
    public static func pollingPacketSize(_ packet: EnginePacket) -> Int {
        if packet.isBinary && packet.type == .message {
            return 1 &+ (packet.payload.count &+ 2) / 3 &* 4
        }
        return 1 &+ packet.payload.count
    }

    /// Decodes a packet in text form without checking UTF-8 (the caller has checked it, or the
    /// WebSocket layer did). "b" + base64 is a binary message, as in the reference parser.
    static func decodeTextForm(_ bytes: UnsafeRawBufferPointer) throws(EngineDecodeError) -> EnginePacket {
        guard let first = bytes.first else { throw .empty }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[1...])
        if first == UInt8(ascii: "b") {
            guard let decoded = Base64.decode(rest) else { throw .badBase64 }
            return .message(binary: decoded)
        }
        guard let type = EnginePacketType(wireDigit: first) else { throw .unknownType }
        return EnginePacket(type: type, payload: Array(rest))
    }

    /// Runs `body` on the bytes of `array`, keeping the typed error.
    static func withBytes<Value>(
        _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(EngineDecodeError) -> Value
    ) throws(EngineDecodeError) -> Value {
        // withUnsafeBytes rethrows untyped errors, so carry the typed one out in a Result.
        let result = array.withUnsafeBytes { buffer in
            Result { () throws(EngineDecodeError) -> Value in try body(buffer) }
        }
        return try result.get()
    }
}

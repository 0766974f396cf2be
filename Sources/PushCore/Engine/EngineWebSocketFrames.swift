/// Engine.IO over WebSocket: one packet per frame. Text frames carry the packet's text form
/// ("4hello", "2probe", "5"); binary messages travel as binary frames holding the raw bytes.
extension EngineCodec {
    /// Decodes the payload of a text frame. The WebSocket layer has already checked that text
    /// frames are UTF-8 (RFC 6455 §8.1), so this does not check again.
    ///
    /// Errors: an empty frame is `.empty`; an unknown first byte `.unknownType`; "b" + bad base64
    /// `.badBase64` (a "b" text frame is a binary message, as the reference parser reads it).
    public static func decodeWebSocketText(_ bytes: UnsafeRawBufferPointer) throws(EngineDecodeError) -> EnginePacket {
        try decodeTextForm(bytes)
    }

    /// Decodes the payload of a text frame (see the overload without `spare`) into a packet
    /// whose payload is built in `spare`'s storage, which is taken (`spare` is left empty): a
    /// caller that hands payloads back once done with them gets packets without an allocation.
    public static func decodeWebSocketText(_ bytes: UnsafeRawBufferPointer,
                                           reusing spare: inout [UInt8]) throws(EngineDecodeError) -> EnginePacket {
        guard let first = bytes.first else { throw .empty }
        guard first != UInt8(ascii: "b") else { return try decodeTextForm(bytes) }
        guard let type = EnginePacketType(wireDigit: first) else { throw .unknownType }
        return EnginePacket(type: type, payload: .copy(of: UnsafeRawBufferPointer(rebasing: bytes[1...]), reusing: &spare))
    }

    /// Decodes the payload of a binary frame, building it in `spare`'s storage (see the text
    /// overload).
    public static func decodeWebSocketBinary(_ bytes: UnsafeRawBufferPointer, reusing spare: inout [UInt8]) -> EnginePacket {
        .message(binary: .copy(of: bytes, reusing: &spare))
    }

    /// Decodes the payload of a text frame held in an array; see the buffer-pointer overload.
    /// The array becomes the packet's payload: the type digit is shifted out in place, so a
    /// uniquely held array costs no allocation.
    public static func decodeWebSocketText(_ bytes: consuming [UInt8]) throws(EngineDecodeError) -> EnginePacket {
        guard let first = bytes.first else { throw .empty }
        guard first != UInt8(ascii: "b") else {
            return try withBytes(bytes) { (buffer) throws(EngineDecodeError) in try decodeTextForm(buffer) }
        }
        guard let type = EnginePacketType(wireDigit: first) else { throw .unknownType }
        bytes.dropFirstByte()
        return EnginePacket(type: type, payload: bytes)
    }

    /// Decodes the payload of a binary frame: always a binary message (possibly empty).
    public static func decodeWebSocketBinary(_ bytes: [UInt8]) -> EnginePacket {
        .message(binary: bytes)
    }

    /// Decodes the payload of a binary frame from a buffer, copying the bytes.
    public static func decodeWebSocketBinary(_ bytes: UnsafeRawBufferPointer) -> EnginePacket {
        .message(binary: Array(bytes))
    }

    /// The payload of the WebSocket frame for a packet and whether it goes as a binary frame.
    public static func webSocketFrame(for packet: EnginePacket) -> (payload: [UInt8], binary: Bool) {
        if packet.isBinary && packet.type == .message { return (packet.payload, true) }
        var out: [UInt8] = []
        out.reserveCapacity(1 &+ packet.payload.count)
        out.append(packet.type.wireDigit)
        out.append(contentsOf: packet.payload)
        return (out, false)
    }

    /// Appends the frame payload for `packet` (for writing straight into a frame buffer) and
    /// returns whether it must go as a binary frame.
    @discardableResult
    public static func appendWebSocketPayload(_ packet: EnginePacket, into out: inout [UInt8]) -> Bool {
        if packet.isBinary && packet.type == .message {
            out.append(contentsOf: packet.payload)
            return true
        }
        out.append(packet.type.wireDigit)
        out.append(contentsOf: packet.payload)
        return false
    }
}

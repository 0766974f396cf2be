/// HTTP long-polling and plain polling payloads: packets in text form joined by 0x1E
/// ("4hello\u{1e}2\u{1e}bAQIDBA=="), as in both directions of Engine.IO v4 polling.
extension EngineCodec {
    /// The record separator between packets of a polling payload.
    public static let recordSeparator: UInt8 = 0x1E

    /// Decodes a polling request body into its packets, all or nothing.
    ///
    /// Errors: a body over `maxPayload` bytes is `.payloadTooLarge` (checked first, so nothing
    /// else is read); an empty body or empty record is `.empty`; a record starting with neither
    /// a type digit nor "b" is `.unknownType`; "b" + bad base64 is `.badBase64`; a body that is
    /// not UTF-8 is `.invalidUTF8`.
    public static func decodePayload(_ body: UnsafeRawBufferPointer, maxPayload: Int) throws(EngineDecodeError) -> [EnginePacket] {
        guard body.count <= maxPayload else { throw .payloadTooLarge }
        guard !body.isEmpty else { throw .empty }
        // 0x1E never occurs inside a multi-byte sequence, so checking the whole body once is
        // the same as checking every record.
        guard UTF8Validator.isValid(body) else { throw .invalidUTF8 }
        var packets: [EnginePacket] = []
        var start = 0
        for index in body.indices where body[index] == recordSeparator {
            packets.append(try decodeTextForm(UnsafeRawBufferPointer(rebasing: body[start..<index])))
            start = index &+ 1
        }
        packets.append(try decodeTextForm(UnsafeRawBufferPointer(rebasing: body[start...])))
        return packets
    }

    /// Checks a polling request body as `decodePayload` does, with the same errors, without
    /// keeping any packet; returns how many it holds. `EnginePayloadCursor` then reads them.
    public static func checkPayload(_ body: [UInt8], maxPayload: Int) throws(EngineDecodeError) -> Int {
        try withBytes(body) { (buffer) throws(EngineDecodeError) -> Int in
            guard buffer.count <= maxPayload else { throw .payloadTooLarge }
            guard !buffer.isEmpty else { throw .empty }
            guard UTF8Validator.isValid(buffer) else { throw .invalidUTF8 }
            var records = 1
            var start = 0
            for index in buffer.indices where buffer[index] == recordSeparator {
                try checkTextForm(UnsafeRawBufferPointer(rebasing: buffer[start..<index]))
                start = index &+ 1
                records &+= 1
            }
            try checkTextForm(UnsafeRawBufferPointer(rebasing: buffer[start...]))
            return records
        }
    }

    /// Whether `decodeTextForm` would accept the bytes (only base64 is decoded, and dropped).
    private static func checkTextForm(_ bytes: UnsafeRawBufferPointer) throws(EngineDecodeError) {
        guard let first = bytes.first else { throw .empty }
        if first == UInt8(ascii: "b") {
            guard Base64.decode(UnsafeRawBufferPointer(rebasing: bytes[1...])) != nil else { throw .badBase64 }
            return
        }
        guard EnginePacketType(wireDigit: first) != nil else { throw .unknownType }
    }

    /// Decodes a polling request body held in an array; see the buffer-pointer overload.
    public static func decodePayload(_ body: [UInt8], maxPayload: Int) throws(EngineDecodeError) -> [EnginePacket] {
        try withBytes(body) { (buffer) throws(EngineDecodeError) in try decodePayload(buffer, maxPayload: maxPayload) }
    }

    /// Appends `packets` as one polling payload (text forms joined by 0x1E). Nothing is
    /// appended for an empty collection.
    public static func appendPayload(_ packets: some Collection<EnginePacket>, into out: inout [UInt8]) {
        var size = packets.count
        for packet in packets { size &+= pollingPacketSize(packet) }
        out.reserveCapacity(out.count &+ size)
        var first = true
        for packet in packets {
            if !first { out.append(recordSeparator) }
            first = false
            appendPollingPacket(packet, into: &out)
        }
    }

    /// Appends queued packets as one polling payload: this overload is compiled here for
    /// the queue's type, where the generic one called from another module is not specialized.
    public static func appendPayload(_ packets: ArraySlice<OutboundPacket>, into out: inout [UInt8]) {
        appendPayload(packets.lazy.map(\.packet), into: &out)
    }

    /// `packets` as one polling payload in a new array.
    public static func payload(_ packets: some Collection<EnginePacket>) -> [UInt8] {
        var out: [UInt8] = []
        appendPayload(packets, into: &out)
        return out
    }
}

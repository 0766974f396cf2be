import PushCore

/// Fuzzes the Engine.IO v4 decoders: `EngineCodec.decodePayload` (polling bodies, packets joined
/// by 0x1E), `decodeWebSocketText` (one packet per text frame) and `decodePollingPacket` (one
/// packet in text form, as SSE and single records carry it).
///
/// Input: one control byte (bits 0-1 pick `maxPayload`), then the bytes under test, given to all
/// three decoders.
///
/// Checked: what decodes is re-encoded by the matching encoder and decodes to the same packets;
/// text-only payloads re-encode to exactly the input; accepted polling bodies are UTF-8 and within
/// `maxPayload`; an SSE event made from a decoded packet reads back as that packet.
@_cdecl("LLVMFuzzerTestOneInput")
public func engineIOPayloadFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let control = input.byte()
    let body = Array(input.rest)
    let maxPayload: Int
    switch control & 3 {
    case 0: maxPayload = 1_000_000
    case 1: maxPayload = 16
    case 2: maxPayload = 0
    default: maxPayload = max(0, body.count - 1)
    }

    checkPayload(body, maxPayload: maxPayload)
    checkWebSocketText(body)
    checkPollingPacket(body)
    return 0
}

private func checkPayload(_ body: [UInt8], maxPayload: Int) {
    let packets: [EnginePacket]
    do throws(EngineDecodeError) {
        packets = try withExactCopy(body) { copy in
            Result { () throws(EngineDecodeError) in try EngineCodec.decodePayload(copy, maxPayload: maxPayload) }
        }.get()
    } catch {
        precondition((error == .payloadTooLarge) == (body.count > maxPayload), "maxPayload misapplied: \(error)")
        return
    }
    precondition(body.count <= maxPayload, "body over maxPayload accepted")
    precondition(isWellFormedUTF8(body), "polling body that is not UTF-8 accepted")
    let records = body.split(separator: EngineCodec.recordSeparator, omittingEmptySubsequences: false)
    precondition(packets.count == records.count, "one packet per record")

    let encoded = EngineCodec.payload(packets)
    if !packets.contains(where: \.isBinary) {
        precondition(encoded == body, "text payload does not re-encode to its bytes")
    }
    let again: [EnginePacket]
    do {
        again = try EngineCodec.decodePayload(encoded, maxPayload: Int.max)
    } catch {
        preconditionFailure("re-encoded payload does not decode: \(error)")
    }
    precondition(again == packets, "payload round trip changed the packets")
    for packet in packets { checkSSE(packet) }
}

private func checkWebSocketText(_ bytes: [UInt8]) {
    let packet: EnginePacket
    do throws(EngineDecodeError) {
        packet = try withExactCopy(bytes) { copy in
            Result { () throws(EngineDecodeError) in try EngineCodec.decodeWebSocketText(copy) }
        }.get()
    } catch {
        precondition(error != .payloadTooLarge && error != .invalidUTF8, "text frame rejected for \(error)")
        return
    }
    let (payload, binary) = EngineCodec.webSocketFrame(for: packet)
    if binary {
        precondition(packet.isBinary && payload == packet.payload, "binary frame payload differs")
        precondition(EngineCodec.decodeWebSocketBinary(payload) == packet, "binary frame round trip")
    } else {
        precondition(payload == bytes, "text frame does not re-encode to its bytes")
        guard let again = try? EngineCodec.decodeWebSocketText(payload), again == packet else {
            preconditionFailure("text frame round trip changed the packet")
        }
    }
}

private func checkPollingPacket(_ bytes: [UInt8]) {
    let packet: EnginePacket
    do throws(EngineDecodeError) {
        packet = try withExactCopy(bytes) { copy in
            Result { () throws(EngineDecodeError) in try EngineCodec.decodePollingPacket(copy) }
        }.get()
    } catch {
        if error == .invalidUTF8 { precondition(!isWellFormedUTF8(bytes), "valid UTF-8 rejected") }
        return
    }
    precondition(isWellFormedUTF8(bytes), "packet that is not UTF-8 accepted")
    let encoded = EngineCodec.pollingPacket(packet)
    precondition(encoded.count == EngineCodec.pollingPacketSize(packet), "pollingPacketSize is wrong")
    if !packet.isBinary { precondition(encoded == bytes, "text packet does not re-encode to its bytes") }
    guard let again = try? EngineCodec.decodePollingPacket(encoded), again == packet else {
        preconditionFailure("polling packet round trip changed the packet")
    }
    checkSSE(packet)
}

/// The SSE event carrying `packet` must read back as `packet`, the way the client reads it.
private func checkSSE(_ packet: EnginePacket) {
    let event = EngineCodec.sseEvent(packet)
    let plain = Array("data: ".utf8), wrapped = Array("event: b64\ndata: ".utf8), end: [UInt8] = [0x0A, 0x0A]
    precondition(event.count >= plain.count + end.count && Array(event.suffix(2)) == end, "SSE event not terminated")
    let form: [UInt8]
    if event.starts(with: wrapped) {
        guard let decoded = Base64.decode(event[wrapped.count..<(event.count - 2)]) else {
            preconditionFailure("SSE b64 event is not base64")
        }
        form = decoded
    } else {
        precondition(event.starts(with: plain), "SSE event without data")
        form = Array(event[plain.count..<(event.count - 2)])
    }
    // EventSource splits lines on CR and LF: a plain data line must hold neither.
    if !event.starts(with: wrapped) {
        precondition(!form.contains(0x0A) && !form.contains(0x0D), "line break inside an SSE data line")
    }
    guard let again = try? EngineCodec.decodePollingPacket(form), again == packet else {
        preconditionFailure("SSE event does not read back as its packet")
    }
}

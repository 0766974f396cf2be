@testable import PushCore

/// Fuzzes `SocketPacketDecoder`: text messages, and binary messages carrying the attachments of
/// BINARY_EVENT / BINARY_ACK packets.
///
/// Input: one control byte (bits 0-1 pick `maxAttachments`, bits 2-3 `maxDepth`), then the
/// messages of one connection in order: the first is a text message; 0xFF starts a binary
/// message and 0xFE a text message (neither byte occurs in UTF-8, so text is never cut).
///
/// Checked: the decoder's state after each result (awaiting attachments exactly after
/// `.needAttachments`; text while awaiting and binary while idle are the matching errors), and
/// the round trip: a decoded packet encoded by `SocketPacketEncoder` and decoded again by a fresh
/// decoder is the same packet, and encoding that gives the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func socketIOPacketFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let control = input.byte()
    let maxAttachments = [10, 2, 0, 64][Int(control & 3)]
    let maxDepth = [32, 4, 1, 100][Int((control >> 2) & 3)]

    var messages: [(isText: Bool, bytes: [UInt8])] = []
    var current: [UInt8] = []
    var isText = true
    for byte in input.rest {
        if byte == 0xFF || byte == 0xFE {
            messages.append((isText, current))
            current = []
            isText = byte == 0xFE
        } else {
            current.append(byte)
        }
    }
    messages.append((isText, current))

    var decoder = SocketPacketDecoder(maxAttachments: maxAttachments, maxDepth: maxDepth)
    for message in messages {
        let wasAwaiting = decoder.isAwaitingAttachments
        let result = message.isText
            ? withExactCopy(message.bytes) { decoder.receive(text: $0) }
            : decoder.receive(binary: message.bytes)
        if message.isText && wasAwaiting {
            precondition(result == .error(.unexpectedText), "text while awaiting attachments gave \(result)")
        }
        if !message.isText && !wasAwaiting {
            precondition(result == .error(.unexpectedBinary), "binary while idle gave \(result)")
        }
        switch result {
        case .needAttachments:
            precondition(decoder.isAwaitingAttachments, "needAttachments but not awaiting")
        case .error:
            precondition(!decoder.isAwaitingAttachments, "still awaiting attachments after an error")
        case .packet(let packet):
            precondition(!decoder.isAwaitingAttachments, "still awaiting attachments after a packet")
            checkRoundTrip(packet, maxAttachments: maxAttachments, maxDepth: maxDepth)
        }
    }
    return 0
}

private func checkRoundTrip(_ packet: SocketPacket, maxAttachments: Int, maxDepth: Int) {
    let (text, attachments) = SocketPacketEncoder.encode(packet)
    let binaryCount = packet.data.map(SocketAttachments.count(in:)) ?? 0
    precondition(attachments.count == binaryCount, "one attachment per binary value")

    // A placeholder may name an attachment several times; each use is sent as its own attachment.
    var decoder = SocketPacketDecoder(maxAttachments: max(maxAttachments, attachments.count), maxDepth: maxDepth)
    var result = decoder.receive(text: text)
    for attachment in attachments {
        precondition(result == .needAttachments, "re-encoded packet gave \(result) before its attachments")
        result = decoder.receive(binary: attachment)
    }
    guard case .packet(let again) = result else {
        preconditionFailure("re-encoded packet does not decode: \(result)")
    }
    precondition(again == expectedAfterRoundTrip(packet), "round trip changed the packet")
    let (text2, attachments2) = SocketPacketEncoder.encode(again)
    precondition(text2 == text && attachments2 == attachments, "encoding is not stable")
}

/// What a packet looks like after encoding and decoding, by the documented rules: a binary type
/// without binary data is sent as the plain type, and numbers JSON cannot write (±infinity,
/// from literals too large for a Double) are written as null, as JSON.stringify does.
private func expectedAfterRoundTrip(_ packet: SocketPacket) -> SocketPacket {
    var expected = packet
    let hasBinary = (packet.data.map(SocketAttachments.count(in:)) ?? 0) > 0
    if packet.type == .binaryEvent && !hasBinary { expected.type = .event }
    if packet.type == .binaryAck && !hasBinary { expected.type = .ack }
    expected.data = packet.data.map(finiteOrNull)
    return expected
}

private func finiteOrNull(_ value: JSONValue) -> JSONValue {
    switch value {
    case .number(let number) where !number.isFinite: return .null
    case .array(let elements): return .array(elements.map(finiteOrNull))
    case .object(let members): return .object(members.map { JSONMember($0.key, finiteOrNull($0.value)) })
    default: return value
    }
}

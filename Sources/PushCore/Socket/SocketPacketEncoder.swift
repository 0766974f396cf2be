/// Encodes Socket.IO v5 packets in the default parser's format:
/// `<type>[<attachments>-][<namespace>,][<ack id>][JSON payload]`, plus one binary message per
/// attachment.
///
/// - EVENT / ACK data holding `.binary` anywhere becomes BINARY_EVENT / BINARY_ACK with
///   placeholders numbered in depth-first order; data without binary is sent as EVENT / ACK
///   whichever of the two variants `type` names.
/// - The namespace is written only when it is not "/" (nor empty). It must not contain ','.
/// - The ack id is written only for events and acks; DISCONNECT never carries data.
/// - CONNECT / CONNECT_ERROR have no binary variant: a `.binary` in their data is written as a
///   bare placeholder object and no attachment is produced.
/// - The payload is not validated: the caller builds packets the protocol allows.
public enum SocketPacketEncoder {
    /// One text message (the Engine.IO message payload, without its "4" prefix) plus the binary
    /// attachments to send after it, in order.
    public static func encode(_ packet: SocketPacket) -> (text: [UInt8], attachments: [[UInt8]]) {
        var text: [UInt8] = []
        var attachments: [[UInt8]] = []
        encode(packet, into: &text, attachments: &attachments)
        return (text, attachments)
    }

    /// Appends the text message to `text` (so a caller can put the Engine.IO prefix in front
    /// without copying) and the attachments to `attachments`.
    public static func encode(_ packet: SocketPacket, into text: inout [UInt8], attachments: inout [[UInt8]]) {
        var wireType = packet.type
        var binaryCount = 0
        let takesAckId: Bool
        switch packet.type {
        case .event, .binaryEvent, .ack, .binaryAck:
            takesAckId = true
            binaryCount = packet.data.map(SocketAttachments.count(in:)) ?? 0
            let isEvent = packet.type == .event || packet.type == .binaryEvent
            switch (isEvent, binaryCount > 0) {
            case (true, true): wireType = .binaryEvent
            case (true, false): wireType = .event
            case (false, true): wireType = .binaryAck
            case (false, false): wireType = .ack
            }
        case .connect, .disconnect, .connectError:
            takesAckId = false
        }

        text.append(UInt8(ascii: "0") &+ wireType.rawValue)
        if binaryCount > 0 {
            JSNumberFormat.appendUnsigned(UInt64(binaryCount), to: &text)
            text.append(UInt8(ascii: "-"))
        }
        if !packet.namespace.isEmpty && packet.namespace != "/" {
            text.append(contentsOf: packet.namespace.utf8)
            text.append(UInt8(ascii: ","))
        }
        if takesAckId, let ackId = packet.ackId {
            JSNumberFormat.appendUnsigned(ackId, to: &text)
        }
        guard packet.type != .disconnect, let data = packet.data else { return }
        // Placeholders are numbered from 0 within this packet, whatever `attachments` already holds.
        var extracted: [[UInt8]] = []
        JSONWriter.write(data, into: &text, attachments: &extracted)
        if binaryCount > 0 { attachments.append(contentsOf: extracted) }
    }
}

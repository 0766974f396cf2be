/// What `SocketPacketDecoder` makes of one Engine.IO message.
public enum SocketDecodeResult: Sendable, Equatable {
    /// A complete packet.
    case packet(SocketPacket)
    /// A binary packet waiting for more attachments (each arrives as a binary message).
    case needAttachments
    /// The message breaks the protocol; the connection should be closed.
    case error(SocketDecodeError)
}

/// Why a Socket.IO message was rejected. Each case is stable; all of them mean "close the
/// connection", as the reference server does on a parse error.
public enum SocketDecodeError: Error, Sendable, Equatable {
    /// An empty text message.
    case empty
    /// The first byte is not a packet type '0'…'6'.
    case unknownType
    /// A binary packet without "<digits>-" after its type.
    case badAttachmentCount
    /// A binary packet announcing more attachments than the decoder's `maxAttachments`.
    case tooManyAttachments
    /// A namespace that is not well-formed UTF-8.
    case badNamespace
    /// An ack id that overflows 64 bits, an ack id on a CONNECT / DISCONNECT / CONNECT_ERROR,
    /// or an ACK / BINARY_ACK without one.
    case badAckId
    /// The payload is not valid JSON (or nests deeper than `maxDepth`).
    case invalidJSON(JSONError)
    /// The payload does not suit the packet type (see `SocketPacketDecoder`).
    case invalidPayload
    /// An event named like one of the reserved events ("connect", "disconnect", …).
    case reservedEventName
    /// A binary message arrived while no binary packet was waiting for attachments.
    case unexpectedBinary
    /// A text message arrived while a binary packet was still waiting for attachments.
    case unexpectedText
    /// A placeholder whose "num" is missing, not an integer, or not below the attachment count.
    case placeholderOutOfRange
}

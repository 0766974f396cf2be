
/// RFC 6455 §5.2 frame opcodes. Values 3-7 and 11-15 are reserved and have no case.
@usableFromInline package enum WebSocketOpcode: UInt8, Sendable {
    /// A later fragment of a text or binary message.
    case continuation = 0
    /// The first (or only) frame of a UTF-8 text message.
    case text = 1
    /// The first (or only) frame of a binary message.
    case binary = 2
    /// Closing handshake.
    case close = 8
    /// Keepalive request; answered with a pong carrying the same payload.
    case ping = 9
    /// Keepalive answer (or unsolicited heartbeat).
    case pong = 10

    /// Control frames (close, ping, pong): at most 125 payload bytes, never fragmented.
    package var isControl: Bool { rawValue & 0x08 != 0 }
}

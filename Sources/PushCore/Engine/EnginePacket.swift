/// The seven Engine.IO v4 packet types; the raw value is the type's digit on the wire.
public enum EnginePacketType: UInt8, Sendable, CaseIterable {
    /// Handshake: the server's first packet, carrying the session parameters as JSON.
    case open = 0
    /// The transport (and the session) is closing.
    case close
    /// Heartbeat request (server to client; "probe" during an upgrade, client to server).
    case ping
    /// Heartbeat answer ("probe" during an upgrade).
    case pong
    /// Application data, text or binary.
    case message
    /// Completes a transport upgrade.
    case upgrade
    /// Ends a pending long-polling request during an upgrade.
    case noop

    /// The ASCII digit that stands for this type on the wire ("0"..."6").
    @inlinable
    public var wireDigit: UInt8 { UInt8(ascii: "0") &+ rawValue }

    /// The type whose ASCII digit is `byte`, or nil.
    @inlinable @inline(__always)
    public init?(wireDigit byte: UInt8) {
        self.init(rawValue: byte &- UInt8(ascii: "0"))
    }
}

/// One Engine.IO packet: a type and an optional payload.
///
/// Text payloads are kept as their UTF-8 bytes and binary payloads as raw bytes, so packets move
/// between transports without building Strings.
public struct EnginePacket: Sendable, Equatable {
    /// The packet type.
    public var type: EnginePacketType
    /// The payload: UTF-8 text, or raw bytes when `isBinary` is set.
    public var payload: [UInt8]
    /// Whether the payload is binary; only a `.message` can be binary.
    public var isBinary: Bool

    /// A packet; `isBinary` is dropped for every type but `.message` so equal packets compare equal.
    @inlinable
    public init(type: EnginePacketType, payload: [UInt8] = [], isBinary: Bool = false) {
        self.type = type
        self.payload = payload
        self.isBinary = isBinary && type == .message
    }

    /// A text packet of any type whose payload is the UTF-8 of `text`.
    @inlinable
    public init(type: EnginePacketType, text: String) {
        self.init(type: type, payload: Array(text.utf8))
    }

    /// A text message.
    @inlinable
    public static func message(text: String) -> EnginePacket {
        EnginePacket(type: .message, text: text)
    }

    /// A text message whose UTF-8 bytes the caller already has.
    @inlinable
    public static func message(utf8: [UInt8]) -> EnginePacket {
        EnginePacket(type: .message, payload: utf8)
    }

    /// A binary message.
    @inlinable
    public static func message(binary: [UInt8]) -> EnginePacket {
        EnginePacket(type: .message, payload: binary, isBinary: true)
    }

    /// A ping; `probe` makes it the upgrade probe "2probe".
    @inlinable
    public static func ping(probe: Bool = false) -> EnginePacket {
        EnginePacket(type: .ping, payload: probe ? probeBytes : [])
    }

    /// A pong; `probe` makes it the upgrade probe answer "3probe".
    @inlinable
    public static func pong(probe: Bool = false) -> EnginePacket {
        EnginePacket(type: .pong, payload: probe ? probeBytes : [])
    }

    /// A close packet ("1").
    public static let close = EnginePacket(type: .close)
    /// An upgrade packet ("5").
    public static let upgrade = EnginePacket(type: .upgrade)
    /// A noop packet ("6").
    public static let noop = EnginePacket(type: .noop)

    /// "probe", the payload of the upgrade's ping and pong.
    public static let probeBytes: [UInt8] = Array("probe".utf8)

    /// Whether this is a ping or pong carrying "probe".
    @inlinable
    public var isProbe: Bool {
        (type == .ping || type == .pong) && payload == EnginePacket.probeBytes
    }

    /// The payload as a String (invalid UTF-8 repaired); for binary payloads this is rarely useful.
    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// Socket.IO v5 packet types, numbered as on the wire.
public enum SocketPacketType: UInt8, Sendable {
    /// Connect to a namespace (client), or accept the connection (server, with `{"sid":…}`).
    case connect = 0
    /// Leave a namespace.
    case disconnect
    /// A named event: `["name", args…]`.
    case event
    /// The answer to an event that carried an ack id.
    case ack
    /// The server refused a namespace connection.
    case connectError
    /// An event whose arguments hold binary attachments.
    case binaryEvent
    /// An ack whose arguments hold binary attachments.
    case binaryAck
}

/// One Socket.IO packet. Binary attachments sit inside `data` as `.binary` values.
public struct SocketPacket: Sendable, Equatable {
    /// The packet type.
    public var type: SocketPacketType
    /// The namespace, "/" for the main one.
    public var namespace: String
    /// The payload: an object for CONNECT, an array for events and acks, absent for DISCONNECT.
    public var data: JSONValue?
    /// The acknowledgement id of an event that wants an answer, or of the ack answering it.
    public var ackId: UInt64?

    /// A packet; the namespace defaults to the main one.
    public init(type: SocketPacketType, namespace: String = "/", data: JSONValue? = nil, ackId: UInt64? = nil) {
        self.type = type
        self.namespace = namespace
        self.data = data
        self.ackId = ackId
    }
}

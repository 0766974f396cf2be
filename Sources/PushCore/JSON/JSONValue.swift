/// A JSON value as carried in Socket.IO packets.
///
/// Objects keep their members in order, so a payload echoes back as it came. `.binary` is not
/// JSON: it stands for a binary attachment of a Socket.IO packet (a `{"_placeholder":true,"num":n}`
/// on the wire), so binary can sit anywhere in event arguments.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// JSON numbers are IEEE doubles, as in JavaScript.
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order; keys are unique after parsing (the last one wins).
    case object([JSONMember])
    /// A binary attachment (Socket.IO only).
    case binary([UInt8])
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The member name.
    public var key: String
    /// The member value.
    public var value: JSONValue
    /// A member named `key` holding `value`.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

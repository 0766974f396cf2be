/// The binary-attachment half of the Socket.IO format: counting `.binary` values before encoding
/// and putting attachments back in place of `{"_placeholder":true,"num":n}` after decoding.
enum SocketAttachments {
    /// How many `.binary` values `value` holds, at any depth.
    static func count(in value: JSONValue) -> Int {
        switch value {
        case .binary: return 1
        case .array(let elements): return elements.reduce(0) { $0 &+ count(in: $1) }
        case .object(let members): return members.reduce(0) { $0 &+ count(in: $1.value) }
        default: return 0
        }
    }

    /// Replaces every placeholder in `value` by its attachment. As in the reference parser, any
    /// object whose "_placeholder" member is `true` is a placeholder; its "num" must be an
    /// integer below `attachments.count`. Attachments may be referenced more than once or not at all.
    /// Recursion is bounded by the parser's depth limit.
    static func resolve(_ value: inout JSONValue, with attachments: [[UInt8]]) throws(SocketDecodeError) {
        switch value {
        case .array(var elements):
            value = .null  // drop the enum's reference so the elements are edited in place
            for position in elements.indices { try resolve(&elements[position], with: attachments) }
            value = .array(elements)
        case .object(var members):
            if let number = placeholderNumber(members) {
                guard let slot = Int(exactly: number), attachments.indices.contains(slot) else {
                    throw .placeholderOutOfRange
                }
                value = .binary(attachments[slot])
                return
            }
            value = .null
            for position in members.indices { try resolve(&members[position].value, with: attachments) }
            value = .object(members)
        default:
            break
        }
    }

    /// For a placeholder object, its "num" (NaN when missing or not a number); nil otherwise.
    private static func placeholderNumber(_ members: [JSONMember]) -> Double? {
        guard members.last(where: { JSONKey.equal($0.key, "_placeholder") })?.value == .bool(true) else { return nil }
        guard case .number(let number)? = members.last(where: { JSONKey.equal($0.key, "num") })?.value else { return .nan }
        return number
    }
}

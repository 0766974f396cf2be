/// Literal syntax for building values in code: `let v: JSONValue = ["a": 1, "b": [true, nil]]`.
extension JSONValue: ExpressibleByNilLiteral {
    /// `nil` is JSON `null`.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// A JSON boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// A JSON number (integers become Doubles, as in JavaScript).
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// A JSON number.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// A JSON string.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// A JSON array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// A JSON object with members in literal order; a repeated key keeps its first position and
    /// takes the last value, as `JSON.parse` does.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var members: [JSONMember] = []
        members.reserveCapacity(elements.count)
        for (key, value) in elements {
            if let existing = members.firstIndex(where: { JSONKey.equal($0.key, key) }) {
                members[existing].value = value
            } else {
                members.append(JSONMember(key, value))
            }
        }
        self = .object(members)
    }
}

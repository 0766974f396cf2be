/// `JSONValue` can sit inside Codable types as "any JSON". With `JSONValueEncoder` /
/// `JSONValueDecoder` it passes through unchanged (binary included); other coders see plain
/// values, arrays and keyed objects (`.binary` as an array of byte numbers).
extension JSONValue: Codable {
    /// Encodes the value with the matching container kind.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        case .binary(let bytes):
            var container = encoder.singleValueContainer()
            try container.encode(bytes)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let members):
            var container = encoder.container(keyedBy: JSONCodingKey.self)
            for member in members { try container.encode(member.value, forKey: JSONCodingKey(stringValue: member.key)) }
        }
    }

    /// Decodes whatever JSON the decoder holds.
    public init(from decoder: any Decoder) throws {
        if let own = decoder as? JSONTreeDecoder {
            self = own.value
            return
        }
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() { self = .null; return }
            if let flag = try? container.decode(Bool.self) { self = .bool(flag); return }
            if let number = try? container.decode(Double.self) { self = .number(number); return }
            if let string = try? container.decode(String.self) { self = .string(string); return }
        }
        if let container = try? decoder.container(keyedBy: JSONCodingKey.self) {
            var members: [JSONMember] = []
            for key in container.allKeys {
                members.append(JSONMember(key.stringValue, try container.decode(JSONValue.self, forKey: key)))
            }
            self = .object(members)
            return
        }
        var container = try decoder.unkeyedContainer()
        var elements: [JSONValue] = []
        while !container.isAtEnd { elements.append(try container.decode(JSONValue.self)) }
        self = .array(elements)
    }
}

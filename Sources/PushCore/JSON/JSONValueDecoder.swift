/// Decodes `Decodable` types from a `JSONValue`, without Foundation.
///
/// Numbers decode into any integer width only when integral and in range, into Float only when
/// within Float's range; `[UInt8]` also decodes from a `.binary` attachment; `JSONValue` itself
/// decodes as the value unchanged. Errors are the standard `DecodingError`s.
public struct JSONValueDecoder: Sendable {
    /// Handed to the decoded types as `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// A decoder with empty `userInfo`.
    public init() {}

    /// Decodes a `T` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONTreeDecoder(value: value, codingPath: [], userInfo: userInfo).unbox(value, as: T.self, codingPath: [])
    }
}

/// The `Decoder` for one value of the tree.
struct JSONTreeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    init(value: JSONValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw DecodingError.mismatch([String: Any].self, value, codingPath)
        }
        return KeyedDecodingContainer(JSONKeyedDecoder<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw DecodingError.mismatch([Any].self, value, codingPath)
        }
        return JSONUnkeyedDecoder(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueDecoder(decoder: self)
    }

    /// Decodes a `T` from `value`, found at `codingPath`.
    func unbox<T: Decodable>(_ value: JSONValue, as type: T.Type, codingPath: [any CodingKey]) throws -> T {
        if let scalar = T.self as? any JSONScalar.Type, let result = try scalar.unbox(value, codingPath: codingPath) as? T {
            return result
        }
        if T.self == JSONValue.self, let result = value as? T { return result }
        if T.self == [UInt8].self, case .binary(let bytes) = value, let result = bytes as? T { return result }
        return try T(from: JSONTreeDecoder(value: value, codingPath: codingPath, userInfo: userInfo))
    }
}

/// Reads an object's members by key; the last member wins when a key repeats.
struct JSONKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONTreeDecoder
    let members: [JSONMember]
    /// Key -> value, built only for large objects (small ones are scanned).
    private let index: [JSONKey: JSONValue]?

    init(decoder: JSONTreeDecoder, members: [JSONMember]) {
        self.decoder = decoder
        self.members = members
        if members.count < 16 {
            index = nil
        } else {
            var built: [JSONKey: JSONValue] = [:]
            built.reserveCapacity(members.count)
            for member in members { built[JSONKey(member.key)] = member.value }
            index = built
        }
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        var seen = Set<JSONKey>()
        return members.compactMap { seen.insert(JSONKey($0.key)).inserted ? Key(stringValue: $0.key) : nil }
    }

    private func lookup(_ key: Key) -> JSONValue? {
        if let index { return index[JSONKey(key.stringValue)] }
        return members.last { JSONKey.equal($0.key, key.stringValue) }?.value
    }

    private func value(for key: Key) throws -> JSONValue {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No member \"\(key.stringValue)\"."))
        }
        return value
    }

    private func scalar<T: JSONScalar>(_ key: Key) throws -> T {
        try T.unbox(value(for: key), codingPath: codingPath + [key])
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { try value(for: key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scalar(key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scalar(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scalar(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scalar(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scalar(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scalar(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scalar(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try scalar(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try scalar(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scalar(key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(value(for: key), as: T.self, codingPath: codingPath + [key])
    }

    private func childDecoder(_ key: any CodingKey, _ value: JSONValue) -> JSONTreeDecoder {
        JSONTreeDecoder(value: value, codingPath: codingPath + [key], userInfo: decoder.userInfo)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try childDecoder(key, value(for: key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try childDecoder(key, value(for: key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        childDecoder(JSONCodingKey.superKey, lookup(JSONCodingKey.superKey.stringValue) ?? .null)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        childDecoder(key, lookup(key) ?? .null)
    }

    private func lookup(_ key: String) -> JSONValue? {
        members.last { JSONKey.equal($0.key, key) }?.value
    }
}

/// Reads an array's elements in order.
struct JSONUnkeyedDecoder: UnkeyedDecodingContainer {
    let decoder: JSONTreeDecoder
    let elements: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: JSONTreeDecoder, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }
    private var currentPath: [any CodingKey] { codingPath + [JSONCodingKey(intValue: currentIndex)] }

    /// The next element; the index moves on only once it decoded, as the protocol asks.
    private func peek(_ type: Any.Type) throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: currentPath, debugDescription: "Unkeyed container is at end."))
        }
        return elements[currentIndex]
    }

    private mutating func scalar<T: JSONScalar>() throws -> T {
        let result = try T.unbox(peek(T.self), codingPath: currentPath)
        currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        guard try peek(Any?.self).isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try scalar() }
    mutating func decode(_ type: String.Type) throws -> String { try scalar() }
    mutating func decode(_ type: Double.Type) throws -> Double { try scalar() }
    mutating func decode(_ type: Float.Type) throws -> Float { try scalar() }
    mutating func decode(_ type: Int.Type) throws -> Int { try scalar() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try scalar() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try scalar() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try scalar() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try scalar() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try scalar() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar() }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let result = try decoder.unbox(peek(T.self), as: T.self, codingPath: currentPath)
        currentIndex += 1
        return result
    }

    private mutating func nextDecoder(_ type: Any.Type) throws -> JSONTreeDecoder {
        let child = JSONTreeDecoder(value: try peek(type), codingPath: currentPath, userInfo: decoder.userInfo)
        currentIndex += 1
        return child
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder(type).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder([Any].self).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try nextDecoder(Any.self)
    }
}

/// Reads the decoder's own value.
struct JSONSingleValueDecoder: SingleValueDecodingContainer {
    let decoder: JSONTreeDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    private func scalar<T: JSONScalar>() throws -> T { try T.unbox(decoder.value, codingPath: codingPath) }

    func decodeNil() -> Bool { decoder.value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try scalar() }
    func decode(_ type: String.Type) throws -> String { try scalar() }
    func decode(_ type: Double.Type) throws -> Double { try scalar() }
    func decode(_ type: Float.Type) throws -> Float { try scalar() }
    func decode(_ type: Int.Type) throws -> Int { try scalar() }
    func decode(_ type: Int8.Type) throws -> Int8 { try scalar() }
    func decode(_ type: Int16.Type) throws -> Int16 { try scalar() }
    func decode(_ type: Int32.Type) throws -> Int32 { try scalar() }
    func decode(_ type: Int64.Type) throws -> Int64 { try scalar() }
    func decode(_ type: UInt.Type) throws -> UInt { try scalar() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar() }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.unbox(decoder.value, as: T.self, codingPath: codingPath)
    }
}

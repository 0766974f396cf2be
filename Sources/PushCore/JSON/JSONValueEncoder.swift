/// Encodes `Encodable` types into a `JSONValue`, without Foundation.
///
/// Integers become numbers only when a Double holds them exactly (beyond ±2^53 most do not:
/// `EncodingError.invalidValue`); NaN and infinities are refused the same way. `[UInt8]` becomes
/// a `.binary` value (a Socket.IO attachment once sent), `JSONValue` is stored unchanged, and a
/// type that encodes nothing becomes `{}`. Object members keep the order they were encoded in.
public struct JSONValueEncoder: Sendable {
    /// Handed to the encoded types as `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// An encoder with empty `userInfo`.
    public init() {}

    /// Encodes `value` into a JSON value tree.
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = JSONEncodingNode()
        try JSONTreeEncoder(node: root, codingPath: [], userInfo: userInfo).box(value, into: root, codingPath: [])
        return root.resolve()
    }
}

/// A node of the tree being encoded. Containers hand out child nodes, which may be filled later
/// (nested containers, super encoders), so the tree is built from references and resolved at the end.
final class JSONEncodingNode {
    private enum Kind { case empty, value, array, object }
    private var kind = Kind.empty
    private var value = JSONValue.null
    private var elements: [JSONEncodingNode] = []
    private var keys: [String] = []
    private var children: [JSONEncodingNode] = []
    private var keyIndex: [JSONKey: Int] = [:]

    /// Makes this node a single value.
    func set(_ newValue: JSONValue) {
        reset(to: .value)
        value = newValue
    }

    /// Makes this node an array (keeping its elements if it already is one).
    func makeArray() {
        if kind != .array { reset(to: .array) }
    }

    /// Makes this node an object (keeping its members if it already is one).
    func makeObject() {
        if kind != .object { reset(to: .object) }
    }

    var elementCount: Int { elements.count }

    /// Appends a new element node.
    func appendElement() -> JSONEncodingNode {
        makeArray()
        let child = JSONEncodingNode()
        elements.append(child)
        return child
    }

    /// A new node for member `key`; encoding a key again replaces its value in place.
    func member(_ key: String) -> JSONEncodingNode {
        makeObject()
        let child = JSONEncodingNode()
        if let existing = keyIndex[JSONKey(key)] {
            children[existing] = child
        } else {
            keyIndex[JSONKey(key)] = keys.count
            keys.append(key)
            children.append(child)
        }
        return child
    }

    private func reset(to newKind: Kind) {
        kind = newKind
        value = .null
        elements = []
        keys = []
        children = []
        keyIndex = [:]
    }

    /// The finished value.
    func resolve() -> JSONValue {
        switch kind {
        case .empty: return .object([])
        case .value: return value
        case .array: return .array(elements.map { $0.resolve() })
        case .object: return .object(zip(keys, children).map { JSONMember($0, $1.resolve()) })
        }
    }
}

/// The `Encoder` writing into one node.
struct JSONTreeEncoder: Encoder {
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(JSONKeyedEncoder<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return JSONUnkeyedEncoder(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncoder(encoder: self)
    }

    /// Encodes `value` into `target`, found at `codingPath`.
    func box<T: Encodable>(_ value: T, into target: JSONEncodingNode, codingPath: [any CodingKey]) throws {
        // Decide on the static type: a dynamic cast alone would take an empty [Person] for [UInt8].
        if T.self is any JSONScalar.Type, let scalar = value as? any JSONScalar {
            target.set(try scalar.jsonValue(codingPath: codingPath))
        } else if T.self == JSONValue.self, let json = value as? JSONValue {
            target.set(json)
        } else if T.self == [UInt8].self, let bytes = value as? [UInt8] {
            target.set(.binary(bytes))
        } else {
            try value.encode(to: JSONTreeEncoder(node: target, codingPath: codingPath, userInfo: userInfo))
        }
    }

    func child(_ node: JSONEncodingNode, _ key: any CodingKey) -> JSONTreeEncoder {
        JSONTreeEncoder(node: node, codingPath: codingPath + [key], userInfo: userInfo)
    }
}

/// Writes object members.
struct JSONKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONTreeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put<T: JSONScalar>(_ value: T, _ key: Key) throws {
        encoder.node.member(key.stringValue).set(try value.jsonValue(codingPath: codingPath + [key]))
    }

    mutating func encodeNil(forKey key: Key) throws { encoder.node.member(key.stringValue).set(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encoder.box(value, into: encoder.node.member(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.child(encoder.node.member(key.stringValue), key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.child(encoder.node.member(key.stringValue), key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        encoder.child(encoder.node.member(JSONCodingKey.superKey.stringValue), JSONCodingKey.superKey)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.child(encoder.node.member(key.stringValue), key)
    }
}

/// Appends array elements.
struct JSONUnkeyedEncoder: UnkeyedEncodingContainer {
    let encoder: JSONTreeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.node.elementCount }
    private var nextKey: JSONCodingKey { JSONCodingKey(intValue: count) }

    private func put<T: JSONScalar>(_ value: T) throws {
        let key = nextKey
        let json = try value.jsonValue(codingPath: codingPath + [key])
        encoder.node.appendElement().set(json)
    }

    mutating func encodeNil() throws { encoder.node.appendElement().set(.null) }
    mutating func encode(_ value: Bool) throws { try put(value) }
    mutating func encode(_ value: String) throws { try put(value) }
    mutating func encode(_ value: Double) throws { try put(value) }
    mutating func encode(_ value: Float) throws { try put(value) }
    mutating func encode(_ value: Int) throws { try put(value) }
    mutating func encode(_ value: Int8) throws { try put(value) }
    mutating func encode(_ value: Int16) throws { try put(value) }
    mutating func encode(_ value: Int32) throws { try put(value) }
    mutating func encode(_ value: Int64) throws { try put(value) }
    mutating func encode(_ value: UInt) throws { try put(value) }
    mutating func encode(_ value: UInt8) throws { try put(value) }
    mutating func encode(_ value: UInt16) throws { try put(value) }
    mutating func encode(_ value: UInt32) throws { try put(value) }
    mutating func encode(_ value: UInt64) throws { try put(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let key = nextKey
        try encoder.box(value, into: encoder.node.appendElement(), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = nextKey
        return encoder.child(encoder.node.appendElement(), key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = nextKey
        return encoder.child(encoder.node.appendElement(), key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let key = nextKey
        return encoder.child(encoder.node.appendElement(), key)
    }
}

/// Sets the encoder's own node.
struct JSONSingleValueEncoder: SingleValueEncodingContainer {
    let encoder: JSONTreeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put<T: JSONScalar>(_ value: T) throws {
        encoder.node.set(try value.jsonValue(codingPath: codingPath))
    }

    mutating func encodeNil() throws { encoder.node.set(.null) }
    mutating func encode(_ value: Bool) throws { try put(value) }
    mutating func encode(_ value: String) throws { try put(value) }
    mutating func encode(_ value: Double) throws { try put(value) }
    mutating func encode(_ value: Float) throws { try put(value) }
    mutating func encode(_ value: Int) throws { try put(value) }
    mutating func encode(_ value: Int8) throws { try put(value) }
    mutating func encode(_ value: Int16) throws { try put(value) }
    mutating func encode(_ value: Int32) throws { try put(value) }
    mutating func encode(_ value: Int64) throws { try put(value) }
    mutating func encode(_ value: UInt) throws { try put(value) }
    mutating func encode(_ value: UInt8) throws { try put(value) }
    mutating func encode(_ value: UInt16) throws { try put(value) }
    mutating func encode(_ value: UInt32) throws { try put(value) }
    mutating func encode(_ value: UInt64) throws { try put(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.box(value, into: encoder.node, codingPath: codingPath)
    }
}

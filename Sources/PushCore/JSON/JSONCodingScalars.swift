/// Conversions between Swift scalars and JSON values shared by `JSONValueEncoder` and
/// `JSONValueDecoder`. JSON numbers are Doubles, so integers must survive the trip exactly.
protocol JSONScalar {
    /// The JSON form; throws `EncodingError.invalidValue` when it has none (a non-finite
    /// float, an integer a Double cannot hold exactly).
    func jsonValue(codingPath: [any CodingKey]) throws -> JSONValue
    /// Reads the scalar; throws `DecodingError` on a type mismatch or a value out of range.
    static func unbox(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Self
}

extension DecodingError {
    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ codingPath: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "Expected \(type), found \(value.kindName)."))
    }
}

extension JSONValue {
    /// A short name of this value's kind, for error messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        case .binary: return "binary data"
        }
    }
}

extension Bool: JSONScalar {
    func jsonValue(codingPath: [any CodingKey]) throws -> JSONValue { .bool(self) }
    static func unbox(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw DecodingError.mismatch(Bool.self, value, codingPath) }
        return flag
    }
}

extension String: JSONScalar {
    func jsonValue(codingPath: [any CodingKey]) throws -> JSONValue { .string(self) }
    static func unbox(_ value: JSONValue, codingPath: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else { throw DecodingError.mismatch(String.self, value, codingPath) }
        return string
    }
}

extension Double: JSONScalar {
    func jsonValue(codingPath: [any CodingKey]) throws -> JSONValue {
        // JSON has no NaN or infinity; refuse rather than silently writing null.
        guard isFinite else {
            throw EncodingError.invalidValue(self, .init(codingPath: codingPath, debugDescription: "\(self) is not representable in JSON."))
        }
        return .number(self)
    }
    static func unbox(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Double {
        guard case .number(let number) = value else { throw DecodingError.mismatch(Double.self, value, codingPath) }
        return number
    }
}

extension Float: JSONScalar {
    func jsonValue(codingPath: [any CodingKey]) throws -> JSONValue {
        try Double(self).jsonValue(codingPath: codingPath)
    }
    static func unbox(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Float {
        let number = try Double.unbox(value, codingPath: codingPath)
        guard !number.isFinite || number.magnitude <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(number) does not fit in Float."))
        }
        return Float(number)
    }
}

extension JSONScalar where Self: FixedWidthInteger {
    func jsonValue(codingPath: [any CodingKey]) throws -> JSONValue {
        guard let number = Double(exactly: self) else {
            throw EncodingError.invalidValue(self, .init(codingPath: codingPath, debugDescription: "\(self) has no exact JSON number (a Double)."))
        }
        return .number(number)
    }
    static func unbox(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Self {
        let number = try Double.unbox(value, codingPath: codingPath)
        guard let integer = Self(exactly: number) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(number) does not fit in \(Self.self)."))
        }
        return integer
    }
}

extension Int: JSONScalar {}
extension Int8: JSONScalar {}
extension Int16: JSONScalar {}
extension Int32: JSONScalar {}
extension Int64: JSONScalar {}
extension UInt: JSONScalar {}
extension UInt8: JSONScalar {}
extension UInt16: JSONScalar {}
extension UInt32: JSONScalar {}
extension UInt64: JSONScalar {}

/// A coding key made at run time: an array index or an object key.
struct JSONCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    /// The key Swift uses for `superEncoder()` / `superDecoder()`.
    static let superKey = JSONCodingKey(stringValue: "super")
}

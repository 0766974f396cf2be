import XCTest
@testable import PushCore

private struct Address: Codable, Equatable {
    var street: String
    var zip: UInt32
    var tags: [String]
}

private enum Role: String, Codable, Equatable { case admin, guest }

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(Double, Double)
    case point
}

private struct Person: Codable, Equatable {
    var name: String
    var age: Int8
    var score: Double
    var ratio: Float
    var active: Bool
    var nickname: String?
    var address: Address?
    var friends: [Person]
    var roles: [Role]
    var shapes: [Shape]
    var counters: [String: Int]
    var avatar: [UInt8]
    var extra: JSONValue
    var matrix: [[Int64]]
    var big: UInt64
    var small: Int16
}

private struct Widths: Codable, Equatable {
    var i: Int, i8: Int8, i16: Int16, i32: Int32, i64: Int64
    var u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
}

/// Uses every container kind by hand, including nested and super coders.
private class Base: Codable {
    var id: Int
    init(id: Int) { self.id = id }
}

private final class Derived: Base {
    var label: String
    var pair: (Int, String)

    init(id: Int, label: String, pair: (Int, String)) {
        self.label = label
        self.pair = pair
        super.init(id: id)
    }

    private enum Keys: String, CodingKey { case label, pair, meta, inner }
    private enum MetaKeys: String, CodingKey { case flag }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        label = try container.decode(String.self, forKey: .label)
        var pairContainer = try container.nestedUnkeyedContainer(forKey: .pair)
        pair = (try pairContainer.decode(Int.self), try pairContainer.decode(String.self))
        let meta = try container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
        _ = try meta.decode(Bool.self, forKey: .flag)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(label, forKey: .label)
        var pairContainer = container.nestedUnkeyedContainer(forKey: .pair)
        try pairContainer.encode(pair.0)
        try pairContainer.encode(pair.1)
        var meta = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
        try meta.encode(true, forKey: .flag)
        try super.encode(to: container.superEncoder())
    }
}

final class JSONCodableTests: XCTestCase {
    private let encoder = JSONValueEncoder()
    private let decoder = JSONValueDecoder()

    private func samplePerson() -> Person {
        let friend = Person(
            name: "Bo", age: -3, score: 0.1, ratio: 0.5, active: false, nickname: nil, address: nil,
            friends: [], roles: [], shapes: [.point], counters: [:], avatar: [], extra: nil,
            matrix: [], big: 0, small: -32768)
        return Person(
            name: "Ann \"A\" é😀", age: 42, score: -1.5e-7, ratio: 3.25, active: true, nickname: "annie",
            address: Address(street: "Main\n1", zip: 12345, tags: ["x", "y"]),
            friends: [friend], roles: [.admin, .guest],
            shapes: [.circle(radius: 2), .rect(1, 2), .point],
            counters: ["a": 1, "b": -2], avatar: [0, 1, 255], extra: ["any": [1, nil, "two"]],
            matrix: [[1, 2], [], [9_007_199_254_740_992]], big: 1 << 60, small: 32767)
    }

    func testNestedRoundTrip() throws {
        let person = samplePerson()
        let value = try encoder.encode(person)
        XCTAssertEqual(try decoder.decode(Person.self, from: value), person)
        // Through text too: bytes travel as arrays of numbers there (binary would be a placeholder).
        let text = bytesAsNumbers(value).jsonString
        XCTAssertEqual(try decoder.decode(Person.self, from: JSONParser.parse(text)), person)
    }

    func testEncodedShape() throws {
        let value = try encoder.encode(samplePerson())
        XCTAssertEqual(value["name"], "Ann \"A\" é😀")
        XCTAssertEqual(value["avatar"], .binary([0, 1, 255]))
        XCTAssertEqual(value["roles"], ["admin", "guest"])
        XCTAssertEqual(value["shapes"], [["circle": ["radius": 2]], ["rect": ["_0": 1, "_1": 2]], ["point": [:]]])
        XCTAssertEqual(value["extra"], ["any": [1, nil, "two"]])
        XCTAssertEqual(value["big"], .number(1_152_921_504_606_846_976))
        // Optional nil is left out, as synthesized Codable asks.
        XCTAssertNil(value["friends"]?[0]?["nickname"])
        XCTAssertEqual(value.objectValue?.first?.key, "name")
    }

    func testOptionalsAndNull() throws {
        XCTAssertEqual(try encoder.encode(Int?.none), .null)
        XCTAssertEqual(try encoder.encode([1, nil, 3] as [Int?]), [1, nil, 3])
        XCTAssertEqual(try decoder.decode([Int?].self, from: [1, nil, 3]), [1, nil, 3])
        XCTAssertEqual(try decoder.decode(String?.self, from: nil), nil)
        struct Holder: Codable, Equatable { var value: Int? }
        XCTAssertEqual(try decoder.decode(Holder.self, from: ["value": nil]), Holder(value: nil))
        XCTAssertEqual(try decoder.decode(Holder.self, from: [:]), Holder(value: nil))
        XCTAssertEqual(try decoder.decode(Holder.self, from: ["value": 4]), Holder(value: 4))
    }

    func testIntegerWidthsAndRanges() throws {
        let widths = Widths(i: -1, i8: -128, i16: 32767, i32: -2_147_483_648, i64: -(1 << 53),
                            u: 7, u8: 255, u16: 65535, u32: 4_294_967_295, u64: 1 << 63)
        XCTAssertEqual(try decoder.decode(Widths.self, from: encoder.encode(widths)), widths)
        XCTAssertThrowsError(try decoder.decode(UInt8.self, from: 256)) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode(Int8.self, from: -129)) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode(UInt.self, from: -1)) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode(Int.self, from: 1.5)) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode(Int64.self, from: .number(9.3e18))) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode([UInt16].self, from: [1, 70000])) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode(Float.self, from: .number(1e39))) { assertDataCorrupted($0) }
        XCTAssertEqual(try decoder.decode(Float.self, from: 0.5), 0.5)
        XCTAssertEqual(try decoder.decode(Int.self, from: 2.0), 2)
        // A Double holds these exactly or not at all.
        XCTAssertEqual(try encoder.encode(UInt64(1) << 63), .number(9_223_372_036_854_775_808))
        XCTAssertThrowsError(try encoder.encode(Int64.max)) { assertInvalidValue($0) }
        XCTAssertThrowsError(try encoder.encode([UInt64.max])) { assertInvalidValue($0) }
        XCTAssertThrowsError(try encoder.encode(["x": Double.nan])) { assertInvalidValue($0) }
        XCTAssertThrowsError(try encoder.encode(Float.infinity)) { assertInvalidValue($0) }
    }

    func testDecodingErrors() {
        XCTAssertThrowsError(try decoder.decode(Address.self, from: ["street": "s", "tags": []])) { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key.stringValue, "zip")
        }
        XCTAssertThrowsError(try decoder.decode(Address.self, from: ["street": 1, "zip": 1, "tags": []])) { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["street"])
        }
        XCTAssertThrowsError(try decoder.decode(Address.self, from: ["street": "s", "zip": 1, "tags": ["a", 2]])) { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, ["tags", "1"])
        }
        XCTAssertThrowsError(try decoder.decode(Address.self, from: [1])) { error in
            guard case DecodingError.typeMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.decode([Int].self, from: ["a": 1])) { error in
            guard case DecodingError.typeMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.decode(Role.self, from: "owner")) { assertDataCorrupted($0) }
        XCTAssertThrowsError(try decoder.decode(Bool.self, from: nil)) { error in
            guard case DecodingError.typeMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.decode(Derived.self, from: ["label": "x", "pair": [1], "meta": ["flag": true]])) { error in
            guard case DecodingError.valueNotFound = error else { return XCTFail("\(error)") }
        }
    }

    func testBinaryBridging() throws {
        XCTAssertEqual(try encoder.encode([UInt8]([1, 2])), .binary([1, 2]))
        XCTAssertEqual(try encoder.encode(["blob": [UInt8]([3])]), ["blob": .binary([3])])
        XCTAssertEqual(try decoder.decode([UInt8].self, from: .binary([9])), [9])
        XCTAssertEqual(try decoder.decode([UInt8].self, from: [9, 10]), [9, 10])
        XCTAssertEqual(try decoder.decode([UInt8]?.self, from: .binary([])), [])
        // Other byte-like arrays stay arrays of numbers.
        XCTAssertEqual(try encoder.encode([Int8]([1, -1])), [1, -1])
        XCTAssertEqual(try encoder.encode(ContiguousArray<UInt8>([4])), [4])
    }

    func testJSONValuePassesThrough() throws {
        let value: JSONValue = ["a": [.binary([1]), 2, nil]]
        XCTAssertEqual(try encoder.encode(value), value)
        XCTAssertEqual(try decoder.decode(JSONValue.self, from: value), value)
        XCTAssertEqual(try decoder.decode([String: JSONValue].self, from: ["k": [true]]), ["k": [true]])
    }

    func testHandWrittenContainersAndSuperCoders() throws {
        let object = Derived(id: 7, label: "L", pair: (1, "one"))
        let value = try encoder.encode(object)
        XCTAssertEqual(value, ["label": "L", "pair": [1, "one"], "meta": ["flag": true], "super": ["id": 7]])
        let decoded = try decoder.decode(Derived.self, from: value)
        XCTAssertEqual(decoded.id, 7)
        XCTAssertEqual(decoded.label, "L")
        XCTAssertEqual(decoded.pair.0, 1)
        XCTAssertEqual(decoded.pair.1, "one")
    }

    func testEmptyTypeEncodesAsEmptyObject() throws {
        struct Empty: Codable, Equatable {}
        XCTAssertEqual(try encoder.encode(Empty()), [:])
        XCTAssertEqual(try decoder.decode(Empty.self, from: [:]), Empty())
    }

    func testUserInfoReachesTypes() throws {
        struct Probe: Codable {
            static let key = CodingUserInfoKey(rawValue: "probe")!
            var seen: String
            init(seen: String) { self.seen = seen }
            init(from decoder: any Decoder) throws { seen = decoder.userInfo[Self.key] as? String ?? "" }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(encoder.userInfo[Self.key] as? String ?? "")
            }
        }
        var encoder = JSONValueEncoder()
        encoder.userInfo[Probe.key] = "enc"
        XCTAssertEqual(try encoder.encode(Probe(seen: "")), "enc")
        var decoder = JSONValueDecoder()
        decoder.userInfo[Probe.key] = "dec"
        XCTAssertEqual(try decoder.decode(Probe.self, from: nil).seen, "dec")
    }
}

private func bytesAsNumbers(_ value: JSONValue) -> JSONValue {
    switch value {
    case .binary(let bytes): return .array(bytes.map { .number(Double($0)) })
    case .array(let elements): return .array(elements.map(bytesAsNumbers))
    case .object(let members): return .object(members.map { JSONMember($0.key, bytesAsNumbers($0.value)) })
    default: return value
    }
}

private func assertDataCorrupted(_ error: any Error, file: StaticString = #filePath, line: UInt = #line) {
    guard case DecodingError.dataCorrupted = error else { return XCTFail("\(error)", file: file, line: line) }
}

private func assertInvalidValue(_ error: any Error, file: StaticString = #filePath, line: UInt = #line) {
    guard case EncodingError.invalidValue = error else { return XCTFail("\(error)", file: file, line: line) }
}

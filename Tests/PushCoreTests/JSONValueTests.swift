import XCTest
@testable import PushCore

final class JSONValueTests: XCTestCase {
    func testLiterals() {
        let value: JSONValue = ["n": nil, "b": true, "i": 3, "f": 1.5, "s": "x", "a": [1, "y"], "o": ["k": false]]
        XCTAssertEqual(value.objectValue?.map(\.key), ["n", "b", "i", "f", "s", "a", "o"])
        XCTAssertEqual(value["n"], .null)
        XCTAssertEqual(value["b"], .bool(true))
        XCTAssertEqual(value["i"], .number(3))
        XCTAssertEqual(value["f"], .number(1.5))
        XCTAssertEqual(value["s"], .string("x"))
        XCTAssertEqual(value["a"], .array([.number(1), .string("y")]))
        XCTAssertEqual(value["o"], .object([JSONMember("k", .bool(false))]))
        let repeated: JSONValue = ["a": 1, "b": 2, "a": 3]
        XCTAssertEqual(repeated.objectValue, [JSONMember("a", 3), JSONMember("b", 2)])
    }

    func testEqualityIgnoresMemberOrder() {
        XCTAssertEqual(["a": 1, "b": [2, 3]] as JSONValue, ["b": [2, 3], "a": 1] as JSONValue)
        XCTAssertNotEqual(["a": 1] as JSONValue, ["a": 2] as JSONValue)
        XCTAssertNotEqual(["a": 1] as JSONValue, ["b": 1] as JSONValue)
        XCTAssertNotEqual(["a": 1] as JSONValue, ["a": 1, "b": 1] as JSONValue)
        XCTAssertNotEqual([1, 2] as JSONValue, [2, 1] as JSONValue)
        XCTAssertEqual(JSONValue.number(0), .number(-0.0))
        XCTAssertNotEqual(JSONValue.number(.nan), .number(.nan))
        XCTAssertNotEqual(JSONValue.number(1), .string("1"))
        XCTAssertNotEqual(JSONValue.null, .bool(false))
        XCTAssertEqual(JSONValue.binary([1, 2]), .binary([1, 2]))
        XCTAssertNotEqual(JSONValue.binary([1, 2]), .array([1, 2]))
        // Hand-built duplicates compare as the object JavaScript would make.
        let duplicated = JSONValue.object([JSONMember("a", 1), JSONMember("a", 2)])
        XCTAssertEqual(duplicated, ["a": 2])
        XCTAssertNotEqual(duplicated, ["a": 1])
        XCTAssertNotEqual(JSONValue.object([JSONMember("a", 1), JSONMember("a", 1)]), ["a": 1, "b": 1])
        // Keys compare by bytes, not canonical equivalence.
        XCTAssertNotEqual(JSONValue.object([JSONMember("\u{E9}", 1)]), .object([JSONMember("e\u{301}", 1)]))
    }

    func testEqualityOfLargeObjects() {
        let members = (0..<50).map { JSONMember("k\($0)", .number(Double($0))) }
        let shuffled = JSONValue.object(members.reversed())
        XCTAssertEqual(JSONValue.object(members), shuffled)
        var changed = members
        changed[10].value = "other"
        XCTAssertNotEqual(JSONValue.object(changed), shuffled)
        changed[10] = JSONMember("new", 10)
        XCTAssertNotEqual(JSONValue.object(changed), shuffled)
    }

    func testAccessors() {
        let value: JSONValue = ["list": [10, "s", true, nil, 1.5, 1e300], "bin": .binary([7])]
        let list = value["list"]
        XCTAssertEqual(list?[0]?.intValue, 10)
        XCTAssertEqual(list?[0]?.doubleValue, 10)
        XCTAssertEqual(list?[1]?.stringValue, "s")
        XCTAssertEqual(list?[2]?.boolValue, true)
        XCTAssertEqual(list?[3]?.isNull, true)
        XCTAssertNil(list?[4]?.intValue)
        XCTAssertNil(list?[5]?.intValue)
        XCTAssertNil(list?[6])
        XCTAssertNil(list?[-1])
        XCTAssertEqual(list?.arrayValue?.count, 6)
        XCTAssertEqual(value["bin"]?.binaryValue, [7])
        XCTAssertEqual(value.objectValue?.count, 2)
        XCTAssertNil(value["missing"])
        XCTAssertNil(value[0])
        XCTAssertNil(list?["key"])
        XCTAssertNil(JSONValue.string("x").doubleValue)
        XCTAssertNil(JSONValue.number(1).stringValue)
        XCTAssertNil(JSONValue.number(1).boolValue)
        XCTAssertNil(JSONValue.null.arrayValue)
        XCTAssertNil(JSONValue.null.objectValue)
        XCTAssertNil(JSONValue.null.binaryValue)
        XCTAssertFalse(JSONValue.number(0).isNull)
        let duplicated = JSONValue.object([JSONMember("a", 1), JSONMember("a", 2)])
        XCTAssertEqual(duplicated["a"], 2)
    }
}

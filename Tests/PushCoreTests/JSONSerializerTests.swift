import XCTest
@testable import PushCore

/// Expected strings are what JavaScript's JSON.stringify / Number#toString print.
final class JSONSerializerTests: XCTestCase {
    func testNumberFormattingTable() {
        let table: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (5, "5"), (100, "100"),
            (0.5, "0.5"), (-0.5, "-0.5"), (0.1, "0.1"), (0.1 + 0.2, "0.30000000000000004"),
            (0.1 + 0.7, "0.7999999999999999"), (1.0 / 3.0, "0.3333333333333333"), (4.35, "4.35"),
            (123.456, "123.456"), (12_345_678.9, "12345678.9"),
            (1e15, "1000000000000000"), (1e20, "100000000000000000000"),
            (1.2345678901234568e20, "123456789012345680000"),
            (9.999999999999999e20, "999999999999999900000"),
            (1e21, "1e+21"), (1.23e21, "1.23e+21"), (1e23, "1e+23"), (1e100, "1e+100"),
            (1.5e300, "1.5e+300"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9_007_199_254_740_991, "9007199254740991"), (9_007_199_254_740_992, "9007199254740992"),
            (9_007_199_254_740_994, "9007199254740994"), (18_446_744_073_709_551_616, "18446744073709552000"),
            (-9_007_199_254_740_992, "-9007199254740992"),
            (0.000001, "0.000001"), (0.0000012, "0.0000012"), (0.000123, "0.000123"), (0.00001, "0.00001"),
            (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (-1.5e-7, "-1.5e-7"), (1.2345e-10, "1.2345e-10"),
            (-1e-100, "-1e-100"), (.leastNonzeroMagnitude, "5e-324"), (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
        ]
        for (number, expected) in table {
            XCTAssertEqual(JSONValue.number(number).jsonString, expected, "\(number)")
        }
    }

    func testFormattedNumbersRoundTrip() throws {
        var random = JSONTestRandom(seed: 42)
        for _ in 0..<5_000 {
            let number = Double(bitPattern: random.next())
            guard number.isFinite else { continue }
            let text = JSONValue.number(number).jsonString
            XCTAssertEqual(try JSONParser.parse(text).doubleValue, number, text)
        }
    }

    func testStringEscapes() {
        let table: [(String, String)] = [
            ("", #""""#),
            ("plain", #""plain""#),
            ("quote\"back\\slash", #""quote\"back\\slash""#),
            ("/", #""/""#),
            ("\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
            ("\u{0}\u{1}\u{B}\u{E}\u{1F}", #""\u0000\u0001\u000b\u000e\u001f""#),
            ("\u{7F}", "\"\u{7F}\""),
            ("é€😀", "\"é€😀\""),
            ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
            ("a\"b\nc", #""a\"b\nc""#),
        ]
        for (string, expected) in table {
            XCTAssertEqual(JSONValue.string(string).jsonString, expected, string.debugDescription)
        }
    }

    func testScalarsAndContainers() {
        let value: JSONValue = ["a": [1, 2.5, "x", true, false, nil], "b": [:], "c": []]
        XCTAssertEqual(value.jsonString, #"{"a":[1,2.5,"x",true,false,null],"b":{},"c":[]}"#)
        XCTAssertEqual(JSONValue.object([JSONMember("z", 1), JSONMember("a", 2)]).jsonString, #"{"z":1,"a":2}"#)
    }

    func testSerializeAppends() {
        var output = Array("42".utf8)
        JSONValue.array(["hey", "Jude"]).serialize(into: &output)
        XCTAssertEqual(String(decoding: output, as: UTF8.self), #"42["hey","Jude"]"#)
    }

    func testBinaryBecomesNumberedPlaceholders() {
        let value: JSONValue = ["a", .binary([1]), ["x": .binary([2]), "y": [.binary([])]]]
        XCTAssertEqual(
            value.jsonString,
            #"["a",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1},"y":[{"_placeholder":true,"num":2}]}]"#
        )
    }

    /// parse -> serialize must equal JSON.stringify(JSON.parse(input)).
    func testRoundTripsMatchJavaScript() throws {
        let table: [(String, String)] = [
            (#"{ "a" : [ 1 , 2.50 , -0 , 1E2 ] }"#, #"{"a":[1,2.5,0,100]}"#),
            (#"["\u0041\u00e9\ud83d\ude00"]"#, #"["Aé😀"]"#),
            ("[1e400, -1e400]", "[null,null]"),
            (#"{"a":1,"b":2,"a":3}"#, #"{"a":3,"b":2}"#),
            (#""\/""#, #""/""#),
            ("[0.1e1, 1e-7, 123456789012345678901234567890]", "[1,1e-7,1.2345678901234568e+29]"),
            (#""\u2028\u2029""#, "\"\u{2028}\u{2029}\""),
            (#"["\u001f\u007f"]"#, "[\"\\u001f\u{7F}\"]"),
            (#"{"":{"":[]}}"#, #"{"":{"":[]}}"#),
            (" [ true , false , null ] ", "[true,false,null]"),
            (#""\b\f\n\r\t\"\\""#, #""\b\f\n\r\t\"\\""#),
            ("[-0.0000001, 0.000001, 1E21, 100000000000000000000000]", "[-1e-7,0.000001,1e+21,1e+23]"),
            ("0.30000000000000004", "0.30000000000000004"),
            (#"{"message":"Not authorized"}"#, #"{"message":"Not authorized"}"#),
            (#"["message",1,"2",{"3":[true]}]"#, #"["message",1,"2",{"3":[true]}]"#),
            (#"{"_placeholder":true,"num":0}"#, #"{"_placeholder":true,"num":0}"#),
            ("[1.0, 2.000, 3e0, -5.50e1]", "[1,2,3,-55]"),
            (#""\u0000""#, #""\u0000""#),
            (#""\u000B""#, #""\u000b""#),
        ]
        for (input, expected) in table {
            XCTAssertEqual(try JSONParser.parse(input).jsonString, expected, input)
        }
    }
}

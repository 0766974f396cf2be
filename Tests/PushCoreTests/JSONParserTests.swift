import XCTest
@testable import PushCore

/// A conformance corpus in the spirit of JSONTestSuite: y_ inputs must parse to the given
/// value, n_ inputs must fail with the given error.
final class JSONParserTests: XCTestCase {
    static let accepted: [(String, JSONValue)] = [
        ("[]", []),
        ("{}", [:]),
        ("[[]]", [[]]),
        ("[{}]", [[:]]),
        ("  [ ]  ", []),
        ("\t\n\r [1]\r\n", [1]),
        ("1", 1),
        ("0", 0),
        ("-0", 0),
        ("-1", -1),
        ("0.5", 0.5),
        ("1e5", 100_000),
        ("1E+5", 100_000),
        ("1e-5", 0.00001),
        ("-1.25e-3", -0.00125),
        ("0e0", 0),
        ("0E-0", 0),
        ("1.0", 1),
        ("123456789012345", 123_456_789_012_345),
        ("1234567890123456789", 1_234_567_890_123_456_789),
        ("123456789012345678901234567890", .number(1.2345678901234568e29)),
        ("0.1", 0.1),
        ("2.2250738585072014e-308", .number(2.2250738585072014e-308)),
        ("4.9e-324", .number(.leastNonzeroMagnitude)),
        ("1e400", .number(.infinity)),
        ("-1e400", .number(-.infinity)),
        ("1e-400", 0),
        (#""str""#, "str"),
        (#""""#, ""),
        ("true", true),
        ("false", false),
        ("null", nil),
        ("[1,2,3]", [1, 2, 3]),
        ("[ 1 , 2 ]", [1, 2]),
        (#"{"a":1,"b":[true,false,null]}"#, ["a": 1, "b": [true, false, nil]]),
        (#"{ "a" : { "b" : { "c" : [ ] } } }"#, ["a": ["b": ["c": []]]]),
        (#"{"":""}"#, ["": ""]),
        (#"{"a":1,"a":2}"#, ["a": 2]),
        (#"["\u0000"]"#, ["\u{0}"]),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        (#""\u0061\u00e9\u20AC""#, "aé€"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
        (#""\uFFFF""#, "\u{FFFF}"),
        (#""\u0800""#, "\u{800}"),
        ("\"😀 é € \u{2028}\"", "😀 é € \u{2028}"),
        (#""a\nb\u0041c""#, "a\nbAc"),
        ("[1e-7]", [.number(1e-7)]),
        (#"[-0.0]"#, [0]),
    ]

    static let rejected: [(String, JSONError)] = [
        ("", .unexpectedEnd(offset: 0)),
        (" ", .unexpectedEnd(offset: 1)),
        ("[", .unexpectedEnd(offset: 1)),
        ("]", .unexpectedByte(offset: 0)),
        ("[1,]", .unexpectedByte(offset: 3)),
        ("[,1]", .unexpectedByte(offset: 1)),
        ("[1,,2]", .unexpectedByte(offset: 3)),
        ("[1 2]", .unexpectedByte(offset: 3)),
        ("[1}", .unexpectedByte(offset: 2)),
        (#"{"a":1]"#, .unexpectedByte(offset: 6)),
        (#"{"a":1,}"#, .unexpectedByte(offset: 7)),
        ("{,}", .unexpectedByte(offset: 1)),
        (#"{"a"}"#, .unexpectedByte(offset: 4)),
        (#"{"a":}"#, .unexpectedByte(offset: 5)),
        (#"{"a" 1}"#, .unexpectedByte(offset: 5)),
        (#"{"a":1 "b":2}"#, .unexpectedByte(offset: 7)),
        (#"{"a":1,"b"}"#, .unexpectedByte(offset: 10)),
        ("{a:1}", .unexpectedByte(offset: 1)),
        ("{'a':1}", .unexpectedByte(offset: 1)),
        ("{1:1}", .unexpectedByte(offset: 1)),
        ("['a']", .unexpectedByte(offset: 1)),
        ("[01]", .invalidNumber(offset: 2)),
        ("[-01]", .invalidNumber(offset: 3)),
        ("[+1]", .unexpectedByte(offset: 1)),
        ("[.5]", .unexpectedByte(offset: 1)),
        ("[1.]", .invalidNumber(offset: 3)),
        ("[1.e1]", .invalidNumber(offset: 3)),
        ("[1e]", .invalidNumber(offset: 3)),
        ("[1e+]", .invalidNumber(offset: 4)),
        ("[-]", .invalidNumber(offset: 2)),
        ("-", .invalidNumber(offset: 1)),
        ("[- 1]", .invalidNumber(offset: 2)),
        ("[NaN]", .unexpectedByte(offset: 1)),
        ("[Infinity]", .unexpectedByte(offset: 1)),
        ("[-Infinity]", .invalidNumber(offset: 2)),
        ("[0x10]", .unexpectedByte(offset: 2)),
        ("[1]x", .trailingData(offset: 3)),
        ("[1][2]", .trailingData(offset: 3)),
        (#"{"a":1}}"#, .trailingData(offset: 7)),
        ("1 2", .trailingData(offset: 2)),
        ("[1]\u{0}", .trailingData(offset: 3)),
        ("[tru]", .unexpectedByte(offset: 4)),
        ("tru", .unexpectedEnd(offset: 3)),
        ("[True]", .unexpectedByte(offset: 1)),
        ("[nul]", .unexpectedByte(offset: 4)),
        ("nulll", .trailingData(offset: 4)),
        (#"["\x"]"#, .invalidString(offset: 2)),
        (#"["\'"]"#, .invalidString(offset: 2)),
        (#"["\u12"]"#, .invalidString(offset: 6)),
        (#"["\u12G4"]"#, .invalidString(offset: 6)),
        (#"["\uD800"]"#, .invalidString(offset: 2)),
        (#"["\uDC00"]"#, .invalidString(offset: 2)),
        (#"["\uDFFF\uD800"]"#, .invalidString(offset: 2)),
        (#"["\uD800\u0041"]"#, .invalidString(offset: 2)),
        (#"["\uD800\uD800"]"#, .invalidString(offset: 2)),
        (#"["\uD800x"]"#, .invalidString(offset: 2)),
        (#"["ab\uD800"]"#, .invalidString(offset: 4)),
        ("\"a\tb\"", .invalidString(offset: 2)),
        ("\"a\nb\"", .invalidString(offset: 2)),
        ("\"\u{1}\"", .invalidString(offset: 1)),
        ("\"\\n\u{1F}\"", .invalidString(offset: 3)),
        (#""abc"#, .unexpectedEnd(offset: 4)),
        (#"["abc]"#, .unexpectedEnd(offset: 6)),
        (#""\""#, .unexpectedEnd(offset: 3)),
        (#""\"#, .unexpectedEnd(offset: 2)),
        (#""\u"#, .unexpectedEnd(offset: 3)),
        (#""\uD800\u"#, .unexpectedEnd(offset: 9)),
        ("/* c */[]", .unexpectedByte(offset: 0)),
        ("\u{C}[]", .unexpectedByte(offset: 0)),
        ("\u{A0}[]", .unexpectedByte(offset: 0)),
        ("\u{FEFF}[]", .unexpectedByte(offset: 0)),
        ("[1]\u{C}", .trailingData(offset: 3)),
    ]

    static let rejectedBytes: [([UInt8], JSONError)] = [
        ([0x22, 0xFF, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0x80, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xC0, 0xAF, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xC1, 0xBF, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xE0, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xF0, 0x80, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xE2, 0x82, 0x22], .invalidUTF8(offset: 1)),
        ([0x22, 0xE2, 0x82], .invalidUTF8(offset: 1)),
        ([0x22, 0x61, 0xC3], .invalidUTF8(offset: 2)),
        ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8(offset: 2)),
        ([0x22, 0x5C, 0x6E, 0xFF, 0x22], .invalidUTF8(offset: 3)),
        ([0x5B, 0xFF, 0x5D], .unexpectedByte(offset: 1)),
        ([0xEF, 0xBB, 0xBF, 0x5B, 0x5D], .unexpectedByte(offset: 0)),
    ]

    func testAcceptedCorpus() {
        for (input, expected) in Self.accepted {
            switch parseResult(input) {
            case .success(let value): XCTAssertEqual(value, expected, "input: \(input)")
            case .failure(let error): XCTFail("\(input) rejected: \(error)")
            }
        }
    }

    func testRejectedCorpus() {
        for (input, expected) in Self.rejected {
            XCTAssertEqual(parseResult(input).parseError, expected, "input: \(input.debugDescription)")
        }
        for (input, expected) in Self.rejectedBytes {
            XCTAssertEqual(parseResult(input).parseError, expected, "input: \(input)")
        }
        XCTAssertGreaterThanOrEqual(Self.accepted.count + Self.rejected.count + Self.rejectedBytes.count, 80)
    }

    func testNegativeZeroKeepsItsSign() throws {
        XCTAssertEqual(try JSONParser.parse("-0").doubleValue?.sign, .minus)
        XCTAssertEqual(try JSONParser.parse("-0.0e5").doubleValue?.sign, .minus)
        XCTAssertEqual(try JSONParser.parse("0").doubleValue?.sign, .plus)
    }

    func testNumbersAreCorrectlyRounded() throws {
        let cases: [(String, Double)] = [
            ("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004),
            ("9007199254740993", 9_007_199_254_740_992), // halfway: ties to even
            ("9007199254740995", 9_007_199_254_740_996),
            ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("1.7976931348623159e308", .infinity),
            ("2.4703282292062328e-324", .leastNonzeroMagnitude),
            ("2.4703282292062327e-324", 0),
            ("123456.789e3", 123_456_789),
            ("-999999999999999", -999_999_999_999_999),
            ("1" + String(repeating: "0", count: 400) + "e-400", 1),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(text).doubleValue, expected, text)
        }
    }

    func testDuplicateKeysKeepFirstPositionAndLastValue() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(value.objectValue, [JSONMember("a", 3), JSONMember("b", 2)])
        // Canonically equivalent but different bytes: two keys, as in JavaScript.
        let accents = try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}")
        XCTAssertEqual(accents.objectValue?.count, 2)
        // Large objects switch to an index; duplicates must still collapse.
        var text = "{"
        for index in 0..<100 { text += "\"k\(index)\":\(index)," }
        text += #""k5":"last","k99":"end"}"#
        let big = try JSONParser.parse(text)
        XCTAssertEqual(big.objectValue?.count, 100)
        XCTAssertEqual(big.objectValue?[5], JSONMember("k5", "last"))
        XCTAssertEqual(big["k99"], "end")
    }

    func testDepthLimit() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNotNil(parseResult(ok).parsedValue)
        let over = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertEqual(parseResult(over).parseError, .tooDeep(offset: 64))
        XCTAssertEqual(parseResult("[[]]", maxDepth: 1).parseError, .tooDeep(offset: 1))
        XCTAssertEqual(parseResult("{}", maxDepth: 0).parseError, .tooDeep(offset: 0))
        XCTAssertEqual(parseResult("7", maxDepth: 0).parsedValue, 7)
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        XCTAssertEqual(parseResult(objects).parseError, .tooDeep(offset: 64 * 5))
    }

    func testHundredThousandLevelsFailWithoutStackOverflow() {
        let arrays = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        XCTAssertEqual(parseResult(arrays).parseError, .tooDeep(offset: 64))
        let closed = arrays + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        XCTAssertEqual(parseResult(closed).parseError, .tooDeep(offset: 64))
        let objects = Array(String(repeating: #"{"":"#, count: 100_000).utf8)
        XCTAssertEqual(parseResult(objects).parseError, .tooDeep(offset: 64 * 4))
        // A caller may raise the limit: the parser is iterative, so deep input still cannot
        // overflow the stack while parsing.
        XCTAssertEqual(parseResult(arrays, maxDepth: 1_000_000).parseError, .unexpectedEnd(offset: 100_000))
    }

    func testOverloadsAgree() throws {
        let text = #"{"k":[1,"two",null]}"#
        let expected: JSONValue = ["k": [1, "two", nil]]
        XCTAssertEqual(try JSONParser.parse(text), expected)
        XCTAssertEqual(try JSONParser.parse(Array(text.utf8)), expected)
        let padded = "xx" + text + "yy"
        XCTAssertEqual(try JSONParser.parse(padded.dropFirst(2).dropLast(2)), expected)
        let bytes = Array(padded.utf8)
        XCTAssertEqual(try JSONParser.parse(bytes[2..<(bytes.count - 2)]), expected)
        try bytes.withUnsafeBytes { buffer in
            XCTAssertEqual(try JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[2..<(buffer.count - 2)])), expected)
        }
        // Offsets count from the start of the slice given.
        XCTAssertEqual(Result { () throws(JSONError) in try JSONParser.parse(bytes[2...]) }.parseError, .trailingData(offset: text.utf8.count))
    }

    func testErrorOffsetAccessor() {
        XCTAssertEqual(JSONError.invalidUTF8(offset: 9).offset, 9)
        XCTAssertEqual(JSONError.tooDeep(offset: 3).shifted(by: 2), .tooDeep(offset: 5))
    }

    func testLongStringsAndEscapesMix() throws {
        let long = String(repeating: "abcé😀", count: 2_000)
        let escaped = "\"" + String(repeating: #"x\n\u00e9\ud83d\ude00"#, count: 500) + "\""
        XCTAssertEqual(try JSONParser.parse("\"\(long)\"").stringValue, long)
        XCTAssertEqual(try JSONParser.parse(escaped).stringValue, String(repeating: "x\né😀", count: 500))
    }

    /// Mutated corpus inputs must never crash; whatever parses must survive a round trip.
    func testRandomMutationsNeverCrash() {
        var random = JSONTestRandom(seed: 0x5EED_0001)
        let seeds = Self.accepted.map { Array($0.0.utf8) } + Self.rejected.map { Array($0.0.utf8) }
        let alphabet = Array(#"[]{}",:\u0123456789-+.eEtrufalsn "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        for _ in 0..<20_000 {
            var input = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0...Int(random.next() % 4) {
                let choice = random.next() % 3
                let position = input.isEmpty ? 0 : Int(random.next() % UInt64(input.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch choice {
                case 0 where !input.isEmpty: input[position] = byte
                case 1: input.insert(byte, at: position)
                default: if !input.isEmpty { input.remove(at: position) }
                }
            }
            if case .success(let value) = parseResult(input) {
                XCTAssertEqual(parseResult(value.jsonBytes).parsedValue?.jsonBytes, value.jsonBytes, "\(input)")
            }
        }
    }
}

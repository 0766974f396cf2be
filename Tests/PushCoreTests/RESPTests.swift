import XCTest
@testable import PushCore

/// The Redis protocol codec: every type it reads, input cut at every byte, malformed input and
/// size limits, and commands written as arrays of bulk strings.
final class RESPTests: XCTestCase {
    private func decode(_ text: String, _ decoder: RESPDecoder = RESPDecoder()) throws(RESPError) -> (value: RESPValue, consumed: Int)? {
        try decode(Array(text.utf8), decoder)
    }

    private func decode(_ bytes: [UInt8], _ decoder: RESPDecoder = RESPDecoder()) throws(RESPError) -> (value: RESPValue, consumed: Int)? {
        // An exact-size copy, so reading past the end would be caught by the buffer's bounds.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        return try decoder.decode(UnsafeRawBufferPointer(buffer))
    }

    private func assertError(_ text: String, _ expected: RESPError? = nil, _ decoder: RESPDecoder = RESPDecoder(),
                             file: StaticString = #filePath, line: UInt = #line) {
        do throws(RESPError) {
            let result = try decode(text, decoder)
            XCTFail("decoded \(String(describing: result)) from \(text.debugDescription)", file: file, line: line)
        } catch {
            if let expected {
                XCTAssertEqual(error, expected, file: file, line: line)
            } else if case .tooLarge = error {
                XCTFail("expected a malformed error, got tooLarge", file: file, line: line)
            }
        }
    }

    /// Every type the decoder reads, with what it reads it as.
    private let samples: [(text: String, value: RESPValue)] = [
        ("+OK\r\n", .simple("OK")),
        ("+\r\n", .simple("")),
        ("-ERR unknown command\r\n", .error("ERR unknown command")),
        (":1000\r\n", .integer(1000)),
        (":-42\r\n", .integer(-42)),
        (":9223372036854775807\r\n", .integer(.max)),
        ("$5\r\nhello\r\n", .bulk(Array("hello".utf8))),
        ("$0\r\n\r\n", .bulk([])),
        ("$4\r\na\r\nb\r\n", .bulk([97, 13, 10, 98])),
        ("$-1\r\n", .bulk(nil)),
        ("*2\r\n$3\r\nfoo\r\n:1\r\n", .array([.bulk(Array("foo".utf8)), .integer(1)])),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*2\r\n*1\r\n+a\r\n*0\r\n", .array([.array([.simple("a")]), .array([])])),
        ("_\r\n", .null),
        ("#t\r\n", .boolean(true)),
        ("#f\r\n", .boolean(false)),
        (",1.5\r\n", .double(1.5)),
        (",-2\r\n", .double(-2)),
        (",inf\r\n", .double(.infinity)),
        (",-inf\r\n", .double(-.infinity)),
        ("=15\r\ntxt:Some string\r\n", .bulk(Array("txt:Some string".utf8))),
        ("!21\r\nSYNTAX invalid syntax\r\n", .error("SYNTAX invalid syntax")),
        (">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
         .push([.bulk(Array("message".utf8)), .bulk(Array("ch".utf8)), .bulk(Array("hi".utf8))])),
        ("~2\r\n:1\r\n:2\r\n", .array([.integer(1), .integer(2)])),
        ("%2\r\n+a\r\n:1\r\n+b\r\n_\r\n", .map([(.simple("a"), .integer(1)), (.simple("b"), .null)])),
        ("%0\r\n", .map([])),
    ]

    func testEveryTypeDecodes() throws {
        for sample in samples {
            let result = try XCTUnwrap(try decode(sample.text), sample.text.debugDescription)
            XCTAssertEqual(result.value, sample.value, sample.text.debugDescription)
            XCTAssertEqual(result.consumed, sample.text.utf8.count, sample.text.debugDescription)
        }
    }

    func testInputCutAtEveryByteAsksForMore() throws {
        for sample in samples {
            let bytes = Array(sample.text.utf8)
            for cut in 0..<bytes.count {
                XCTAssertNil(try decode(Array(bytes[..<cut])), "\(sample.text.debugDescription) cut at \(cut)")
            }
        }
    }

    func testOneValueIsReadFromTheFrontOfAStream() throws {
        var stream = Array(samples.map(\.text).joined().utf8)
        for sample in samples {
            let result = try XCTUnwrap(try decode(stream))
            XCTAssertEqual(result.value, sample.value)
            stream.removeFirst(result.consumed)
        }
        XCTAssertTrue(stream.isEmpty)
    }

    func testUnknownTypeBytesAreMalformed() {
        assertError("?x\r\n")
        assertError("(3492890328409238509324850943850943825024385\r\n", nil)
        assertError("|1\r\n+key\r\n+value\r\n")
        assertError("OK\r\n")
    }

    func testBadNumbersAreMalformed() {
        assertError(":abc\r\n")
        assertError(":\r\n")
        assertError(":9223372036854775808\r\n")
        assertError(":1.5\r\n")
        assertError(",one\r\n")
        assertError("$x\r\nab\r\n")
        assertError("*two\r\n")
    }

    func testABulkStringMustEndWithCRLF() {
        assertError("$3\r\nabcXY")
        assertError("$3\r\nabc\rX")
        XCTAssertNil(try decode("$3\r\nabc\r"), "incomplete, not malformed")
    }

    func testABooleanIsTOrF() {
        assertError("#x\r\n")
        assertError("#\r\n")
        assertError("#true\r\n")
    }

    func testNestingIsBounded() throws {
        let deepest = String(repeating: "*1\r\n", count: 31) + ":1\r\n"
        XCTAssertNotNil(try decode(deepest))
        assertError(String(repeating: "*1\r\n", count: 32) + ":1\r\n", .malformed("nesting too deep"))
    }

    func testLengthsAreBounded() throws {
        let decoder = RESPDecoder(maxLength: 8)
        XCTAssertEqual(try decode("$8\r\n12345678\r\n", decoder)?.value, .bulk(Array("12345678".utf8)))
        assertError("$9\r\n", .tooLarge, decoder)
        assertError("$9223372036854775807\r\n", .tooLarge, decoder)
        XCTAssertNotNil(try decode("*2\r\n:1\r\n:2\r\n", decoder))
        assertError("*3\r\n", .tooLarge, decoder)
        assertError(">3\r\n", .tooLarge, decoder)
        assertError("%3\r\n", .tooLarge, decoder)
        assertError("=9\r\n", .tooLarge, decoder)
    }

    func testCommandsAreArraysOfBulkStrings() throws {
        XCTAssertEqual(RESPEncoder.command("SET", "key", "value"), Array("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n".utf8))
        XCTAssertEqual(RESPEncoder.command(), Array("*0\r\n".utf8))

        var out: [UInt8] = Array("+before\r\n".utf8)
        let binary: [UInt8] = [0, 13, 10, 255]
        RESPEncoder.command([Array("PUBLISH".utf8), [], binary], into: &out)
        XCTAssertEqual(try decode(out)?.value, .simple("before"), "appends after what was there")
        let result = try XCTUnwrap(try decode(Array(out.dropFirst(9))))
        XCTAssertEqual(result.value, .array([.bulk(Array("PUBLISH".utf8)), .bulk([]), .bulk(binary)]))
        XCTAssertEqual(result.consumed, out.count - 9)
    }

    func testAccessors() {
        XCTAssertEqual(RESPValue.bulk(Array("hi".utf8)).string, "hi")
        XCTAssertEqual(RESPValue.simple("ok").bytes, Array("ok".utf8))
        XCTAssertNil(RESPValue.bulk(nil).string)
        XCTAssertNil(RESPValue.integer(1).string)
        XCTAssertNil(RESPValue.error("e").bytes)
        XCTAssertEqual(RESPValue.array([.null]).elements, [.null])
        XCTAssertEqual(RESPValue.push([.integer(1)]).elements, [.integer(1)])
        XCTAssertNil(RESPValue.array(nil).elements)
        XCTAssertNil(RESPValue.map([]).elements)
    }

    func testEqualityComparesMapsInOrder() {
        XCTAssertEqual(RESPValue.map([(.simple("a"), .integer(1))]), .map([(.simple("a"), .integer(1))]))
        XCTAssertNotEqual(RESPValue.map([(.simple("a"), .integer(1))]), .map([(.simple("a"), .integer(2))]))
        XCTAssertNotEqual(RESPValue.map([(.simple("a"), .null), (.simple("b"), .null)]),
                          .map([(.simple("b"), .null), (.simple("a"), .null)]))
        XCTAssertNotEqual(RESPValue.array([]), .push([]))
        XCTAssertNotEqual(RESPValue.bulk(nil), .null)
    }
}

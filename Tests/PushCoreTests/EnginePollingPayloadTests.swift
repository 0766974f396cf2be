import XCTest
import PushCore

final class EnginePollingPayloadTests: XCTestCase {
    private func decode(_ body: [UInt8], maxPayload: Int = 1_000_000) throws -> [EnginePacket] {
        try EngineCodec.decodePayload(body, maxPayload: maxPayload)
    }

    private func assertError(_ body: [UInt8], _ expected: EngineDecodeError, maxPayload: Int = 1_000_000,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(body, maxPayload: maxPayload), file: file, line: line) { error in
            XCTAssertEqual(error as? EngineDecodeError, expected, "\(body)", file: file, line: line)
        }
        // The buffer-pointer entry point behaves the same.
        let viaBuffer = body.withUnsafeBytes { buffer in
            Result { () throws(EngineDecodeError) in try EngineCodec.decodePayload(buffer, maxPayload: maxPayload) }
        }
        XCTAssertEqual(viaBuffer.decodeFailure, expected, file: file, line: line)
        // So does the check that runs before a body is read packet by packet.
        XCTAssertThrowsError(try EngineCodec.checkPayload(body, maxPayload: maxPayload), file: file, line: line) { error in
            XCTAssertEqual(error as? EngineDecodeError, expected, "\(body)", file: file, line: line)
        }
    }

    func testSpecExamples() throws {
        let mixed = utf8Bytes("4hello\u{1e}2\u{1e}4world")
        XCTAssertEqual(try decode(mixed), [.message(text: "hello"), .ping(), .message(text: "world")])
        XCTAssertEqual(EngineCodec.payload(try decode(mixed)), mixed)

        let binary = utf8Bytes("4hello\u{1e}bAQIDBA==")
        XCTAssertEqual(try decode(binary), [.message(text: "hello"), .message(binary: [1, 2, 3, 4])])
        XCTAssertEqual(EngineCodec.payload(try decode(binary)), binary)

        let three = utf8Bytes("4test1\u{1e}4test2\u{1e}4test3")
        XCTAssertEqual(try decode(three).map(\.text), ["test1", "test2", "test3"])
        XCTAssertEqual(EngineCodec.payload(try decode(three)), three)
    }

    func testEveryTypeBothWays() throws {
        let packets: [EnginePacket] = [
            EngineHandshake(sid: "abc", upgrades: ["websocket"]).openPacket(), .close, .ping(),
            .ping(probe: true), .pong(), .pong(probe: true), .message(text: "hi"), .message(text: ""),
            .upgrade, .noop, .message(binary: []), .message(binary: [0, 0x1E, 0xFF]),
        ]
        let wire = EngineCodec.payload(packets)
        XCTAssertEqual(String(decoding: wire, as: UTF8.self),
                       #"0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
                       + "\u{1e}1\u{1e}2\u{1e}2probe\u{1e}3\u{1e}3probe\u{1e}4hi\u{1e}4\u{1e}5\u{1e}6\u{1e}b\u{1e}bAB7/")
        XCTAssertEqual(try decode(wire), packets)
        for packet in packets {
            let single = EngineCodec.pollingPacket(packet)
            XCTAssertEqual(single.count, EngineCodec.pollingPacketSize(packet))
            XCTAssertEqual(try decode(single), [packet])
            XCTAssertEqual(try EngineCodec.decodePollingPacket(single), packet)
        }
    }

    func testSinglePacketFormsAndAppend() {
        XCTAssertEqual(EngineCodec.pollingPacket(.ping()), utf8Bytes("2"))
        XCTAssertEqual(EngineCodec.pollingPacket(.message(binary: [1, 2, 3, 4])), utf8Bytes("bAQIDBA=="))
        var out = utf8Bytes("x")
        EngineCodec.appendPollingPacket(.noop, into: &out)
        XCTAssertEqual(out, utf8Bytes("x6"))
        var empty: [UInt8] = []
        EngineCodec.appendPayload([EnginePacket](), into: &empty)
        XCTAssertEqual(empty, [])
        XCTAssertEqual(EngineCodec.payload([EnginePacket.close]), utf8Bytes("1"))
    }

    func testMultibyteUTF8Text() throws {
        let text = "é€😀\u{FEFF}漢字"
        let wire = utf8Bytes("4" + text + "\u{1e}4" + text)
        let packets = try decode(wire)
        XCTAssertEqual(packets, [.message(text: text), .message(text: text)])
        XCTAssertEqual(packets[0].payload, Array(text.utf8))
        XCTAssertEqual(EngineCodec.payload(packets), wire)
    }

    func testErrors() {
        assertError([], .empty)
        assertError(utf8Bytes("\u{1e}"), .empty)
        assertError(utf8Bytes("4a\u{1e}"), .empty)
        assertError(utf8Bytes("\u{1e}4a"), .empty)
        assertError(utf8Bytes("4a\u{1e}\u{1e}4b"), .empty)
        assertError(utf8Bytes("abc"), .unknownType)
        assertError(utf8Bytes("4a\u{1e}9"), .unknownType)
        assertError(utf8Bytes("4a\u{1e}B"), .unknownType)
        assertError(utf8Bytes("b###"), .badBase64)
        assertError(utf8Bytes("4a\u{1e}bAQIDB=A"), .badBase64)
        assertError(utf8Bytes("bA"), .badBase64)
        assertError([0x34, 0xFF], .invalidUTF8)
        assertError([0x34, 0xC0, 0x80], .invalidUTF8)              // overlong NUL
        assertError([0x34, 0xE0, 0x80, 0x80], .invalidUTF8)        // overlong
        assertError([0x34, 0xED, 0xA0, 0x80], .invalidUTF8)        // surrogate
        assertError([0x34, 0xF4, 0x90, 0x80, 0x80], .invalidUTF8)  // above U+10FFFF
        assertError([0x34, 0xE2, 0x82], .invalidUTF8)              // truncated
        assertError([0x34, 0xE2, 0x82, 0x1E, 0x34], .invalidUTF8)  // truncated before a separator
        assertError([0x34, 0x80], .invalidUTF8)                    // lone continuation
        assertError([0x34, 0xF8, 0x88, 0x80, 0x80, 0x80], .invalidUTF8)
    }

    func testMaxPayloadBoundary() throws {
        let body = utf8Bytes("4" + String(repeating: "x", count: 99))
        XCTAssertEqual(try decode(body, maxPayload: 100).count, 1)
        assertError(body, .payloadTooLarge, maxPayload: 99)
        assertError(body + [0xFF], .payloadTooLarge, maxPayload: 100) // size is checked before content
        assertError([], .empty, maxPayload: 0)
        assertError(utf8Bytes("4"), .payloadTooLarge, maxPayload: 0)
        assertError(utf8Bytes("4"), .payloadTooLarge, maxPayload: -1)
    }

    func testRecordSeparatorInsideOnePacketIsPayload() throws {
        XCTAssertEqual(try EngineCodec.decodePollingPacket(utf8Bytes("4a\u{1e}b")), .message(text: "a\u{1e}b"))
        XCTAssertThrowsError(try EngineCodec.decodePollingPacket([0x34, 0xFF])) { error in
            XCTAssertEqual(error as? EngineDecodeError, .invalidUTF8)
        }
        XCTAssertThrowsError(try EngineCodec.decodePollingPacket([])) { error in
            XCTAssertEqual(error as? EngineDecodeError, .empty)
        }
    }

    func testRoundTripsRandomPayloads() throws {
        var rng = EngineTestRNG(seed: 2024)
        for _ in 0..<1_000 {
            let packets = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                RandomPackets.packet(&rng, allowSeparator: false)
            }
            let wire = EngineCodec.payload(packets)
            XCTAssertEqual(try decode(wire, maxPayload: wire.count), packets)
            // Checked, then read one packet at a time: the same packets.
            XCTAssertEqual(try EngineCodec.checkPayload(wire, maxPayload: wire.count), packets.count)
            var cursor = EnginePayloadCursor(body: wire)
            var read: [EnginePacket] = []
            while let packet = cursor.next() { read.append(packet) }
            XCTAssertEqual(read, packets)
            XCTAssertTrue(cursor.isAtEnd)
            XCTAssertEqual(cursor.remainingBytes, 0)
        }
    }

    func testUTF8CheckAgreesWithStandardLibrary() {
        var rng = EngineTestRNG(seed: 99)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                    0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<20_000 {
            var body: [UInt8] = [0x34]
            for _ in 0..<Int.random(in: 0...20, using: &rng) {
                // Runs of ASCII exercise the eight-byte fast path.
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    body += Array(repeating: 0x61, count: Int.random(in: 1...17, using: &rng))
                } else {
                    body.append(interesting.randomElement(using: &rng)!)
                }
            }
            let valid = String(validating: body, as: UTF8.self) != nil
            let result = Result { () throws(EngineDecodeError) in try EngineCodec.decodePollingPacket(body) }
            XCTAssertEqual(result.decodeFailure == nil, valid, "\(body)")
            if !valid { XCTAssertEqual(result.decodeFailure, .invalidUTF8) }
        }
    }
}

extension Result {
    /// The failure, if any.
    var decodeFailure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

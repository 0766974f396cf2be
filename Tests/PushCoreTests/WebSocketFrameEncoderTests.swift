@testable import PushCore
import TestSupport
import XCTest

final class WebSocketFrameEncoderTests: XCTestCase {
    func testHeaderSizesAtBoundaries() {
        let expected: [(Int, [UInt8])] = [
            (0, [0x82, 0]),
            (125, [0x82, 125]),
            (126, [0x82, 126, 0x00, 0x7E]),
            (65535, [0x82, 126, 0xFF, 0xFF]),
            (65536, [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]),
            (70000, [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]),
            (1 << 40, [0x82, 127, 0, 0, 0x01, 0, 0, 0, 0, 0]),
        ]
        for (length, header) in expected {
            XCTAssertEqual(WebSocketFrameEncoder.frameHeader(opcode: .binary, payloadLength: length), header, "\(length)")
        }
    }

    func testOpcodeAndFinBits() {
        let cases: [(WebSocketOpcode, UInt8)] = [(.text, 0x81), (.binary, 0x82), (.close, 0x88), (.ping, 0x89), (.pong, 0x8A)]
        for (opcode, first) in cases {
            XCTAssertEqual(WebSocketFrameEncoder.frameHeader(opcode: opcode, payloadLength: 3), [first, 3])
        }
    }

    func testAppendFrameVariantsAgree() {
        for length in [0, 1, 125, 126, 65535, 65536] {
            let payload = WSClientFrame.pattern(length)
            var fromCollection: [UInt8] = [0xAA]
            WebSocketFrameEncoder.appendFrame(opcode: .binary, payload: payload, into: &fromCollection)
            var fromPointer: [UInt8] = [0xAA]
            payload.withUnsafeBytes { WebSocketFrameEncoder.appendFrame(opcode: .binary, payload: $0, into: &fromPointer) }
            XCTAssertEqual(fromCollection, fromPointer)
            XCTAssertEqual(fromCollection, [0xAA] + WebSocketFrameEncoder.frameHeader(opcode: .binary, payloadLength: length) + payload)
        }
    }

    func testRoundTripThroughDecoder() {
        var stream: [UInt8] = []
        var expected: [WebSocketEvent] = []
        for length in [0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70000] {
            let payload = WSClientFrame.pattern(length)
            WebSocketFrameEncoder.appendFrame(opcode: .binary, payload: payload, into: &stream)
            expected.append(.binary(payload))
            let text = Array(String(repeating: "ü", count: length / 2).utf8)
            WebSocketFrameEncoder.appendFrame(opcode: .text, payload: text, into: &stream)
            expected.append(.text(text))
        }
        WebSocketFrameEncoder.appendFrame(opcode: .ping, payload: WSClientFrame.pattern(125), into: &stream)
        expected.append(.ping(WSClientFrame.pattern(125)))
        WebSocketFrameEncoder.appendFrame(opcode: .pong, payload: [1, 2, 3], into: &stream)
        expected.append(.pong([1, 2, 3]))
        stream += WebSocketFrameEncoder.closeFrame(code: .goingAway, reason: "restart")
        expected.append(.close(code: 1001, reason: Array("restart".utf8)))

        let decoder = WebSocketFrameDecoder(requireMask: true)
        XCTAssertEqual(WSFeed.whole(stream, decoder).events.first?.closeCode, .protocolError, "server frames are unmasked")
        let lenient = WebSocketFrameDecoder(requireMask: false)
        XCTAssertEqual(WSFeed.whole(stream, lenient).events, expected)
        XCTAssertEqual(WSFeed.randomChunks(stream, seed: 42, maxChunk: 4096, lenient).events, expected)
    }

    func testSharedPayloadBehindHeader() {
        let payload = Array("broadcast".utf8)
        let header = WebSocketFrameEncoder.frameHeader(opcode: .text, payloadLength: payload.count)
        var decoder = WebSocketFrameDecoder(requireMask: false)
        let result = (header + payload).withUnsafeBytes { decoder.decode($0) }
        XCTAssertEqual(result.event, .text(payload))
    }

    func testCloseFrame() {
        XCTAssertEqual(WebSocketFrameEncoder.closeFrame(code: .normal, reason: ""), [0x88, 2, 0x03, 0xE8])
        XCTAssertEqual(WebSocketFrameEncoder.closeFrame(code: .protocolError, reason: "bad"), [0x88, 5, 0x03, 0xEA, 0x62, 0x61, 0x64])
        // Codes that never go on the wire give an empty close payload.
        for code in [WebSocketCloseCode.noStatus, .abnormal, .tlsHandshakeFailure, WebSocketCloseCode(rawValue: 999)] {
            XCTAssertEqual(WebSocketFrameEncoder.closeFrame(code: code, reason: "x"), [0x88, 0], "\(code.rawValue)")
        }
    }

    func testCloseReasonTruncatedAtCharacterBoundary() {
        // 122 ASCII bytes then a 4-byte character: the character does not fit in 123 bytes.
        let reason = String(repeating: "a", count: 122) + "😀" + "tail"
        let frame = WebSocketFrameEncoder.closeFrame(code: .policyViolation, reason: reason)
        XCTAssertEqual(frame[1], 124)
        XCTAssertEqual(frame.count, 2 + 124)
        let long = WebSocketFrameEncoder.closeFrame(code: .internalError, reason: String(repeating: "é", count: 200))
        XCTAssertLessThanOrEqual(Int(long[1]), 125)
        for frame in [frame, long] {
            var decoder = WebSocketFrameDecoder(requireMask: false)
            let event = frame.withUnsafeBytes { decoder.decode($0) }.event
            guard case .close(let code, let text) = event else { return XCTFail("\(event)") }
            XCTAssertNotNil(code)
            XCTAssertTrue(UTF8Validator.isValid(text))
        }
        XCTAssertEqual(Int(long[1]), 2 + 122)  // 61 two-byte characters
    }

    func testCloseCodeValues() {
        let codes: [(WebSocketCloseCode, UInt16)] = [
            (.normal, 1000), (.goingAway, 1001), (.protocolError, 1002), (.unsupportedData, 1003),
            (.invalidPayload, 1007), (.policyViolation, 1008), (.messageTooBig, 1009), (.internalError, 1011),
        ]
        for (code, value) in codes {
            XCTAssertEqual(code.rawValue, value)
            XCTAssertTrue(code.isValidOnWire)
        }
        for valid: UInt16 in [1000, 1003, 1007, 1010, 1011, 3000, 3999, 4000, 4999] {
            XCTAssertTrue(WebSocketCloseCode.isValidOnWire(valid), "\(valid)")
        }
        for invalid: UInt16 in [0, 999, 1004, 1005, 1006, 1012, 1015, 2999, 5000, 65535] {
            XCTAssertFalse(WebSocketCloseCode.isValidOnWire(invalid), "\(invalid)")
        }
        XCTAssertTrue(WebSocketOpcode.ping.isControl)
        XCTAssertFalse(WebSocketOpcode.continuation.isControl)
    }
}

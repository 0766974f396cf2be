import XCTest
import PushCore

final class EngineWebSocketFramesTests: XCTestCase {
    private func text(_ packet: EnginePacket) -> String {
        let frame = EngineCodec.webSocketFrame(for: packet)
        XCTAssertFalse(frame.binary)
        return String(decoding: frame.payload, as: UTF8.self)
    }

    func testEncodesEveryTypeAsTextFrame() {
        XCTAssertEqual(text(EngineHandshake(sid: "s").openPacket()),
                       #"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
        XCTAssertEqual(text(.close), "1")
        XCTAssertEqual(text(.ping()), "2")
        XCTAssertEqual(text(.ping(probe: true)), "2probe")
        XCTAssertEqual(text(.pong()), "3")
        XCTAssertEqual(text(.pong(probe: true)), "3probe")
        XCTAssertEqual(text(.message(text: "hello")), "4hello")
        XCTAssertEqual(text(.message(text: "")), "4")
        XCTAssertEqual(text(.upgrade), "5")
        XCTAssertEqual(text(.noop), "6")
    }

    func testEncodesBinaryMessageAsRawBinaryFrame() {
        let frame = EngineCodec.webSocketFrame(for: .message(binary: [1, 2, 3, 4]))
        XCTAssertTrue(frame.binary)
        XCTAssertEqual(frame.payload, [1, 2, 3, 4])
        let empty = EngineCodec.webSocketFrame(for: .message(binary: []))
        XCTAssertTrue(empty.binary)
        XCTAssertEqual(empty.payload, [])
    }

    func testAppendWebSocketPayloadMatchesFrame() {
        var rng = EngineTestRNG(seed: 7)
        for _ in 0..<500 {
            let packet = RandomPackets.packet(&rng)
            var out: [UInt8] = [9, 9]
            let binary = EngineCodec.appendWebSocketPayload(packet, into: &out)
            let frame = EngineCodec.webSocketFrame(for: packet)
            XCTAssertEqual(binary, frame.binary)
            XCTAssertEqual(out, [9, 9] + frame.payload)
        }
    }

    func testDecodesEveryType() throws {
        let cases: [(String, EnginePacket)] = [
            ("0{}", EnginePacket(type: .open, text: "{}")), ("1", .close), ("2", .ping()),
            ("2probe", .ping(probe: true)), ("3", .pong()), ("3probe", .pong(probe: true)),
            ("4hello", .message(text: "hello")), ("4", .message(text: "")), ("5", .upgrade),
            ("6", .noop), ("4€😀", .message(text: "€😀")),
            ("bAQIDBA==", .message(binary: [1, 2, 3, 4])), ("b", .message(binary: [])),
        ]
        for (wire, expected) in cases {
            XCTAssertEqual(try EngineCodec.decodeWebSocketText(utf8Bytes(wire)), expected, wire)
            let viaBuffer = try utf8Bytes(wire).withUnsafeBytes { try EngineCodec.decodeWebSocketText($0) }
            XCTAssertEqual(viaBuffer, expected, wire)
            var spare: [UInt8] = Array(repeating: 0xAA, count: 3)
            let viaSpare = try utf8Bytes(wire).withUnsafeBytes { try EngineCodec.decodeWebSocketText($0, reusing: &spare) }
            XCTAssertEqual(viaSpare, expected, wire)
        }
        XCTAssertTrue(try EngineCodec.decodeWebSocketText(utf8Bytes("2probe")).isProbe)
        XCTAssertFalse(try EngineCodec.decodeWebSocketText(utf8Bytes("2probes")).isProbe)
        XCTAssertFalse(try EngineCodec.decodeWebSocketText(utf8Bytes("4probe")).isProbe)
    }

    func testDecodesBinaryFrames() {
        XCTAssertEqual(EngineCodec.decodeWebSocketBinary([1, 2, 3, 4]), .message(binary: [1, 2, 3, 4]))
        XCTAssertEqual(EngineCodec.decodeWebSocketBinary([]), .message(binary: []))
        // A binary frame is never read as a text form, even if it looks like one.
        XCTAssertEqual(EngineCodec.decodeWebSocketBinary(utf8Bytes("4hi")), .message(binary: utf8Bytes("4hi")))
        let bytes: [UInt8] = [0, 0xFF, 0x1E]
        XCTAssertEqual(bytes.withUnsafeBytes { EngineCodec.decodeWebSocketBinary($0) }, .message(binary: bytes))
    }

    func testDecodeErrors() {
        let cases: [([UInt8], EngineDecodeError)] = [
            ([], .empty), (utf8Bytes("abc"), .unknownType), (utf8Bytes("7"), .unknownType),
            (utf8Bytes("/"), .unknownType), (utf8Bytes(" 4"), .unknownType), ([0xFF], .unknownType),
            (utf8Bytes("b!!!!"), .badBase64), (utf8Bytes("bAQI=D"), .badBase64), (utf8Bytes("bA"), .badBase64),
        ]
        for (wire, expected) in cases {
            XCTAssertThrowsError(try EngineCodec.decodeWebSocketText(wire)) { error in
                XCTAssertEqual(error as? EngineDecodeError, expected, "\(wire)")
            }
            var spare: [UInt8] = []
            XCTAssertThrowsError(try wire.withUnsafeBytes { try EngineCodec.decodeWebSocketText($0, reusing: &spare) }) { error in
                XCTAssertEqual(error as? EngineDecodeError, expected, "\(wire), reusing")
            }
        }
    }

    /// A payload handed back holds the next packet's payload in its storage: shorter, a little
    /// longer (grown in place) or much longer (new storage), text or binary; an array still
    /// held elsewhere is left as it is.
    func testAHandedBackPayloadHoldsTheNextPacket() throws {
        var spare: [UInt8] = []
        var storage: UnsafeRawPointer?
        for (round, size) in [40, 12, 13, 20, 0, 1, 300, 299, 7].enumerated() {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: ($0 * 7 + round) % 95 + 32) }
            let binary = round % 2 == 1
            let packet = binary
                ? payload.withUnsafeBytes { EngineCodec.decodeWebSocketBinary($0, reusing: &spare) }
                : try ([UInt8(ascii: "4")] + payload).withUnsafeBytes { try EngineCodec.decodeWebSocketText($0, reusing: &spare) }
            XCTAssertEqual(packet, binary ? .message(binary: payload) : .message(utf8: payload), "round \(round)")
            XCTAssertTrue(spare.isEmpty, "the spare was taken")
            let now = packet.payload.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
            if [12, 13, 20, 1].contains(size) {
                XCTAssertEqual(now, storage, "\(size) bytes did not reuse the storage handed back")
            }
            storage = now
            spare = packet.payload
        }
        let kept = spare
        let next = try utf8Bytes("4next").withUnsafeBytes { try EngineCodec.decodeWebSocketText($0, reusing: &spare) }
        XCTAssertEqual(next, .message(text: "next"))
        XCTAssertEqual(kept.count, 7, "the array still held elsewhere was changed")
    }

    func testRoundTripsRandomPackets() throws {
        var rng = EngineTestRNG(seed: 42)
        for _ in 0..<2_000 {
            let packet = RandomPackets.packet(&rng)
            let frame = EngineCodec.webSocketFrame(for: packet)
            let decoded = frame.binary
                ? EngineCodec.decodeWebSocketBinary(frame.payload)
                : try EngineCodec.decodeWebSocketText(frame.payload)
            XCTAssertEqual(decoded, packet)
        }
    }

    func testIsBinaryOnlyKeptForMessages() {
        XCTAssertFalse(EnginePacket(type: .ping, payload: [1], isBinary: true).isBinary)
        XCTAssertEqual(EnginePacket(type: .ping, payload: [1], isBinary: true), EnginePacket(type: .ping, payload: [1]))
        XCTAssertEqual(EnginePacketType(wireDigit: UInt8(ascii: "6")), .noop)
        XCTAssertNil(EnginePacketType(wireDigit: UInt8(ascii: "7")))
        XCTAssertNil(EnginePacketType(wireDigit: 0))
        XCTAssertEqual(EnginePacket.message(text: "héllo").text, "héllo")
        XCTAssertEqual(EnginePacket.message(utf8: utf8Bytes("x")), .message(text: "x"))
    }
}

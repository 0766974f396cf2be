import XCTest
import PushCore

/// A whole-stream event-stream parser following the WHATWG EventSource rules: lines end at CR,
/// LF or CRLF; a leading BOM is dropped; ":" lines are comments; "field: value" loses one
/// space; "event" sets the type, "data" appends value + LF; a blank line dispatches (nothing
/// when the data buffer is empty) after removing the data's final LF. A line not ended when
/// the stream stops is never processed.
private struct EventSourceParser {
    struct Event: Equatable {
        var type: String
        var data: [UInt8]
    }

    static func parse(_ stream: [UInt8]) -> [Event] {
        var events: [Event] = []
        var data: [UInt8] = []
        var type: [UInt8] = []
        var index = stream.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < stream.count {
            var end = index
            while end < stream.count && stream[end] != 0x0A && stream[end] != 0x0D { end += 1 }
            if end == stream.count { break }
            let line = stream[index..<end]
            index = end + 1
            if stream[end] == 0x0D && index < stream.count && stream[index] == 0x0A { index += 1 }

            if line.isEmpty {
                if !data.isEmpty {
                    if data.last == 0x0A { data.removeLast() }
                    events.append(Event(type: type.isEmpty ? "message" : String(decoding: type, as: UTF8.self), data: data))
                }
                data = []
                type = []
                continue
            }
            if line.first == UInt8(ascii: ":") { continue }
            let field: ArraySlice<UInt8>
            var value: ArraySlice<UInt8>
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                field = line[..<colon]
                value = line[(colon + 1)...]
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            } else {
                field = line
                value = []
            }
            switch String(decoding: field, as: UTF8.self) {
            case "event": type = Array(value)
            case "data": data += value + [0x0A]
            default: break // id, retry and unknown fields do not affect packets
            }
        }
        return events
    }
}

final class EngineSSEEventsTests: XCTestCase {
    /// Turns parsed events back into packets as the browser client does.
    private func packets(from stream: [UInt8]) throws -> [EnginePacket] {
        try EventSourceParser.parse(stream).map { event in
            switch event.type {
            case "message":
                return try EngineCodec.decodePollingPacket(event.data)
            case EngineCodec.sseBase64EventName:
                let form = try XCTUnwrap(Base64.decode(event.data))
                return try EngineCodec.decodePollingPacket(form)
            default:
                XCTFail("unexpected event type \(event.type)")
                return .noop
            }
        }
    }

    private func event(_ packet: EnginePacket) -> String {
        String(decoding: EngineCodec.sseEvent(packet), as: UTF8.self)
    }

    func testCommonCaseIsOneDataLine() {
        XCTAssertEqual(event(.message(text: "hello")), "data: 4hello\n\n")
        XCTAssertEqual(event(.ping()), "data: 2\n\n")
        XCTAssertEqual(event(.noop), "data: 6\n\n")
        XCTAssertEqual(event(.message(binary: [1, 2, 3, 4])), "data: bAQIDBA==\n\n")
        XCTAssertEqual(event(.message(binary: [0x0A, 0x0D])), "data: bCg0=\n\n")
        XCTAssertEqual(event(.message(text: "a\u{1e}b €")), "data: 4a\u{1e}b €\n\n")
        XCTAssertEqual(event(EngineHandshake(sid: "x").openPacket()),
                       "data: 0" + String(decoding: EngineHandshake(sid: "x").json, as: UTF8.self) + "\n\n")
    }

    func testLineBreaksGoAsBase64Event() {
        // "4a\nb" -> base64 "NGEKYg=="; "4\r" -> "NA0="
        XCTAssertEqual(event(.message(text: "a\nb")), "event: b64\ndata: NGEKYg==\n\n")
        XCTAssertEqual(event(.message(text: "\r")), "event: b64\ndata: NA0=\n\n")
        XCTAssertEqual(event(EnginePacket(type: .close, text: "\r\n")), "event: b64\ndata: MQ0K\n\n")
    }

    func testAppendKeepsExistingBytes() {
        var out = EngineCodec.sseComment
        EngineCodec.appendSSEEvent(.ping(), into: &out)
        EngineCodec.appendSSEEvent(.message(text: "\n"), into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), ": \n\ndata: 2\n\nevent: b64\ndata: NAo=\n\n")
    }

    func testPreludeAndComments() throws {
        XCTAssertEqual(EngineCodec.sseComment, utf8Bytes(": \n\n"))
        var prelude: [UInt8] = []
        EngineCodec.appendSSEPrelude(into: &prelude)
        XCTAssertEqual(prelude.count, 1 + 2048 + 2)
        XCTAssertEqual(prelude.first, UInt8(ascii: ":"))
        XCTAssertTrue(prelude.dropFirst().dropLast(2).allSatisfy { $0 == UInt8(ascii: " ") })
        XCTAssertEqual(Array(prelude.suffix(2)), utf8Bytes("\n\n"))

        var short: [UInt8] = []
        EngineCodec.appendSSEPrelude(into: &short, paddingBytes: 0, retryMilliseconds: 3000)
        XCTAssertEqual(String(decoding: short, as: UTF8.self), "retry: 3000\n:\n\n")

        // Neither produces an event.
        XCTAssertEqual(EventSourceParser.parse(prelude + short + EngineCodec.sseComment), [])
        let stream = prelude + EngineCodec.sseEvent(.ping()) + EngineCodec.sseComment + EngineCodec.sseEvent(.noop)
        XCTAssertEqual(try packets(from: stream), [.ping(), .noop])
    }

    func testParserFollowsEventSourceRules() {
        // Sanity checks of the test's own parser against the specification's examples.
        let stream = utf8Bytes("data: YHOO\ndata: +2\ndata: 10\n\n: c\r\nevent:x\rdata:  y\r\n\ndata\n\ndata:z")
        XCTAssertEqual(EventSourceParser.parse(stream), [
            .init(type: "message", data: utf8Bytes("YHOO\n+2\n10")),
            .init(type: "x", data: utf8Bytes(" y")),
            .init(type: "message", data: []), // "data" alone: a buffer of "\n", then emptied
        ])
    }

    func testSeededRandomPacketsSurviveEventSource() throws {
        var rng = EngineTestRNG(seed: 0x5EE)
        for round in 0..<300 {
            let sent = (0..<Int.random(in: 1...12, using: &rng)).map { _ in RandomPackets.packet(&rng) }
            var stream: [UInt8] = []
            if round % 3 == 0 { EngineCodec.appendSSEPrelude(into: &stream, paddingBytes: round % 17) }
            for packet in sent {
                EngineCodec.appendSSEEvent(packet, into: &stream)
                if Int.random(in: 0..<4, using: &rng) == 0 { stream += EngineCodec.sseComment }
            }
            XCTAssertEqual(try packets(from: stream), sent, "round \(round)")
        }
    }

    func testEveryTypeSurvivesEventSource() throws {
        let sent: [EnginePacket] = [
            EngineHandshake(sid: "abc", upgrades: ["websocket"]).openPacket(), .close, .ping(), .ping(probe: true),
            .pong(), .pong(probe: true), .message(text: ""), .message(text: "\r\n\r"), .upgrade, .noop,
            .message(binary: []), .message(binary: Array(0...255)), .message(text: "\u{FEFF}x"),
        ]
        XCTAssertEqual(try packets(from: sent.flatMap(EngineCodec.sseEvent)), sent)
    }
}

import XCTest
import PushCore

final class EngineHandshakeTests: XCTestCase {
    private func wire(_ packet: EnginePacket) -> String {
        String(decoding: EngineCodec.pollingPacket(packet), as: UTF8.self)
    }

    func testOpenPacketIsExact() {
        let handshake = EngineHandshake(sid: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"])
        XCTAssertEqual(wire(handshake.openPacket()),
                       #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
        let custom = EngineHandshake(sid: "a-b", upgrades: [], pingInterval: 300, pingTimeout: 200, maxPayload: 1)
        XCTAssertEqual(wire(custom.openPacket()),
                       #"0{"sid":"a-b","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1}"#)
        let two = EngineHandshake(sid: "s", upgrades: ["websocket", "webtransport"])
        XCTAssertEqual(String(decoding: two.json, as: UTF8.self),
                       #"{"sid":"s","upgrades":["websocket","webtransport"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
        XCTAssertEqual(handshake.openPacket().type, .open)
        XCTAssertFalse(handshake.openPacket().isBinary)
    }

    func testStringsAreEscaped() {
        let handshake = EngineHandshake(sid: "q\"b\\s/\n\r\t\u{8}\u{c}\u{1}\u{1f}é😀", upgrades: ["x\"y"])
        XCTAssertEqual(String(decoding: handshake.json, as: UTF8.self),
                       #"{"sid":"q\"b\\s/\n\r\t\b\f\u0001\u001fé😀","upgrades":["x\"y"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
    }

    func testErrorBodiesMatchReferenceServer() {
        let expected: [(EngineError, String, Int)] = [
            (.unknownTransport, #"{"code":0,"message":"Transport unknown"}"#, 400),
            (.unknownSid, #"{"code":1,"message":"Session ID unknown"}"#, 400),
            (.badHandshakeMethod, #"{"code":2,"message":"Bad handshake method"}"#, 400),
            (.badRequest, #"{"code":3,"message":"Bad request"}"#, 400),
            (.forbidden, #"{"code":4,"message":"Forbidden"}"#, 403),
            (.unsupportedProtocolVersion, #"{"code":5,"message":"Unsupported protocol version"}"#, 400),
        ]
        XCTAssertEqual(EngineError.allCases.count, expected.count)
        for (error, json, status) in expected {
            XCTAssertEqual(String(decoding: error.json, as: UTF8.self), json)
            XCTAssertEqual(error.httpStatus, status)
            XCTAssertEqual(EngineError(rawValue: error.rawValue), error)
        }
        XCTAssertNil(EngineError(rawValue: 6))
    }
}

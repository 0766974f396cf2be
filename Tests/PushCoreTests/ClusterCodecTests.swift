import XCTest
@testable import PushCore

/// Values between nodes: binary made explicit so it survives JSON, engine packets and socket
/// snapshots in their fixed shapes, and what malformed input reads as.
final class ClusterCodecTests: XCTestCase {
    /// Through JSON text and back, as a value travels inside a Redis message.
    private func overTheWire(_ value: JSONValue) throws -> JSONValue {
        try JSONParser.parse(value.jsonString)
    }

    func testBinaryAnywhereSurvivesJSON() throws {
        let value: JSONValue = ["file": .binary([0, 1, 254, 255]), "list": [1, .binary([]), ["deep": .binary([42])]], "text": "x"]
        let wrapped = ClusterCodec.wrap(value)
        XCTAssertEqual(wrapped["file"], ["$b": "AAH+/w=="])
        XCTAssertEqual(ClusterCodec.unwrap(try overTheWire(wrapped)), value)
    }

    func testValuesWithoutBinaryAreUnchanged() {
        let value: JSONValue = ["a": [1, "two", nil, true], "b": 2.5]
        XCTAssertEqual(ClusterCodec.wrap(value), value)
        XCTAssertEqual(ClusterCodec.unwrap(value), value)
    }

    func testObjectsThatOnlyLookLikeBinaryStayObjects() {
        let lookalikes: [JSONValue] = [
            ["$b": 5],
            ["$b": "not base64!"],
            ["$b": "AA==", "other": 1],
            ["$c": "AA=="],
        ]
        for value in lookalikes {
            XCTAssertEqual(ClusterCodec.unwrap(value), value, value.jsonString)
        }
    }

    func testEnginePacketsRoundTrip() throws {
        let packets: [EnginePacket] = [.message(text: "2[\"e\",1]"), .message(binary: [9, 8]), .message(text: ""), .message(binary: [])]
        let decoded = try XCTUnwrap(ClusterCodec.packets(from: try overTheWire(ClusterCodec.packets(packets))))
        XCTAssertEqual(decoded, packets)
    }

    func testMalformedPacketListsAreRefused() {
        XCTAssertNil(ClusterCodec.packets(from: nil))
        XCTAssertNil(ClusterCodec.packets(from: "text"))
        XCTAssertNil(ClusterCodec.packets(from: ["ok", 1]))
        XCTAssertNil(ClusterCodec.packets(from: [["not": "binary"]]))
        XCTAssertEqual(ClusterCodec.packets(from: []), [])
    }

    func testStringSetsAndPairsRoundTrip() throws {
        let rooms: Set<String> = ["b", "a", "é"]
        XCTAssertEqual(ClusterCodec.strings(rooms), ["a", "b", "é"], "sorted, so equal sets encode equally")
        XCTAssertEqual(ClusterCodec.strings(from: try overTheWire(ClusterCodec.strings(rooms))), rooms)
        XCTAssertEqual(ClusterCodec.strings(from: ["a", 1, nil, "b"]), ["a", "b"], "non-strings are skipped")
        XCTAssertEqual(ClusterCodec.strings(from: nil), [])

        let pairs = [("Host", "x"), ("Host", "y"), ("", "")]
        let decoded = ClusterCodec.pairs(from: try overTheWire(ClusterCodec.pairs(pairs)))
        XCTAssertEqual(decoded.map { [$0.0, $0.1] }, pairs.map { [$0.0, $0.1] })
        let mixed = ClusterCodec.pairs(from: [["a", "1"], ["short"], [1, "x"], "flat", ["b", "2", "extra"]])
        XCTAssertEqual(mixed.map { [$0.0, $0.1] }, [["a", "1"], ["b", "2"]])
        XCTAssertTrue(ClusterCodec.pairs(from: "nope").isEmpty)
    }

    func testSnapshotRoundTrips() throws {
        let handshake = SocketHandshake(headers: [("User-Agent", "t"), ("Cookie", "a=b")], query: [("EIO", "4")],
                                        auth: ["token": "x", "key": .binary([1, 2])], remoteAddress: "10.1.2.3",
                                        issuedAt: 1_700_000_000_123, url: "/socket.io/?EIO=4")
        let snapshot = SocketSnapshot(id: "sid1", namespace: "/chat", rooms: ["sid1", "red"], handshake: handshake,
                                      data: ["name": "ann", "avatar": .binary([7])], transportName: "websocket")

        let decoded = try XCTUnwrap(ClusterCodec.snapshot(from: try overTheWire(ClusterCodec.snapshot(snapshot))))

        XCTAssertEqual(decoded.id, "sid1")
        XCTAssertEqual(decoded.namespace, "/chat")
        XCTAssertEqual(decoded.rooms, ["sid1", "red"])
        XCTAssertEqual(decoded.data, snapshot.data)
        XCTAssertEqual(decoded.transportName, "websocket")
        XCTAssertEqual(decoded.handshake.headers.map { [$0.0, $0.1] }, handshake.headers.map { [$0.0, $0.1] })
        XCTAssertEqual(decoded.handshake.query("EIO"), "4")
        XCTAssertEqual(decoded.handshake.auth, handshake.auth)
        XCTAssertEqual(decoded.handshake.remoteAddress, "10.1.2.3")
        XCTAssertEqual(decoded.handshake.issuedAt, 1_700_000_000_123)
        XCTAssertEqual(decoded.handshake.url, "/socket.io/?EIO=4")
    }

    func testSnapshotNeedsAnIDAndANamespace() {
        XCTAssertNil(ClusterCodec.snapshot(from: ["ns": "/"]))
        XCTAssertNil(ClusterCodec.snapshot(from: ["id": "x"]))
        XCTAssertNil(ClusterCodec.snapshot(from: ["id": 1, "ns": "/"]))
        XCTAssertNil(ClusterCodec.snapshot(from: "not an object"))
    }

    func testSnapshotFillsInMissingOptionalFields() throws {
        let decoded = try XCTUnwrap(ClusterCodec.snapshot(from: ["id": "x", "ns": "/", "rooms": "wrong type"]))
        XCTAssertTrue(decoded.rooms.isEmpty)
        XCTAssertTrue(decoded.data.isEmpty)
        XCTAssertEqual(decoded.handshake.auth, [:])
        XCTAssertTrue(decoded.handshake.headers.isEmpty)
        XCTAssertEqual(decoded.handshake.remoteAddress, "")
        XCTAssertEqual(decoded.handshake.issuedAt, 0)
        XCTAssertEqual(decoded.transportName, "")
    }
}

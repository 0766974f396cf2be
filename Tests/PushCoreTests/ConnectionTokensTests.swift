@testable import PushCore
import XCTest

/// Connection tokens on a Socket.IO server driven in memory, with the fixtures' clock.
final class ConnectionTokensTests: XCTestCase {
    private func server(mode: AuthMode, secrets: [[UInt8]] = [JWTFixtures.secret])
        -> (SocketServer, ManualExecutor, ConnectionTokens) {
        let (server, loops) = makeSocketServer()
        let loop = loops[0]
        let tokens = ConnectionTokens(verifier: JWTVerifier(secrets: secrets), mode: mode,
                                      clock: { JWTFixtures.now + loop.now / 1000 })
        tokens.install(on: server)
        return (server, loop, tokens)
    }

    private func refusal(_ packets: [SocketPacket]) -> (String?, String?) {
        guard let packet = packets.last, packet.type == .connectError else { return (nil, nil) }
        return (packet.data?["message"]?.stringValue, packet.data?["data"]?["reason"]?.stringValue)
    }

    func testRequiredModeRefusesEachKindOfBadToken() {
        let (server, loop, _) = server(mode: .required)
        let cases: [(JSONValue?, String, String)] = [
            (nil, "token required", "token_required"),
            (["token": ""], "token required", "token_required"),
            (["token": .string(JWTFixtures.wrongSecret)], "invalid token", "invalid_token"),
            (["token": .string(JWTFixtures.algorithmNone)], "invalid token", "invalid_token"),
            (["token": .string(JWTFixtures.expired)], "token expired", "token_expired"),
            (["token": .string(JWTFixtures.notYetValid)], "invalid token", "invalid_token"),
        ]
        for (auth, message, code) in cases {
            let link = InMemoryEngineLink(server: server, executor: loop)
            link.connect("/", auth: auth)
            let (gotMessage, gotCode) = refusal(link.takePackets())
            XCTAssertEqual(gotMessage, message, "\(String(describing: auth))")
            XCTAssertEqual(gotCode, code)
        }
    }

    func testAValidTokenFillsDataUserAndRooms() throws {
        let (server, loop, _) = server(mode: .required)
        let link = InMemoryEngineLink(server: server, executor: loop)
        let socket = try XCTUnwrap(link.connectSocket("/", auth: ["token": .string(JWTFixtures.hs256)]))
        XCTAssertEqual(socket.data["user"], "user-42")
        XCTAssertEqual(socket.data["name"], "Ada")
        XCTAssertEqual(socket.data["admin"], true)
        XCTAssertEqual(socket.rooms, [socket.id, "user:user-42", "room:1", "team:blue"])

        server.to("user:user-42").emit("personal")
        XCTAssertEqual(link.takeEvents().map(\.name), ["personal"], "the API can reach every connection of a user")
    }

    func testTheNsClaimLimitsNamespaces() {
        let (server, loop, _) = server(mode: .required)
        _ = server.of("/admin-panel")
        _ = server.of("/chat")
        let auth: JSONValue = ["token": .string(JWTFixtures.hs256)]   // ns: ["/", "/admin*"]
        let link = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertNotNil(link.connectSocket("/admin-panel", auth: auth))
        link.connect("/chat", auth: auth)
        XCTAssertEqual(refusal(link.takePackets()).0, "namespace not allowed")
    }

    func testOptionalModeAdmitsAnonymousButNotBadTokens() {
        let (server, loop, _) = server(mode: .optional)
        let anonymous = InMemoryEngineLink(server: server, executor: loop)
        let socket = anonymous.connectSocket("/")
        XCTAssertNotNil(socket)
        XCTAssertNil(socket?.data["user"])
        let bad = InMemoryEngineLink(server: server, executor: loop)
        bad.connect("/", auth: ["token": .string(JWTFixtures.tamperedPayload)])
        XCTAssertEqual(refusal(bad.takePackets()).0, "invalid token")
    }

    func testOffModeIgnoresTokens() {
        let (server, loop, _) = server(mode: .off)
        let link = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertNotNil(link.connectSocket("/", auth: ["token": "garbage"]))
    }

    func testTheConnectionEndsWhenTheTokenExpires() throws {
        let (server, loop, _) = server(mode: .required)
        let reasons = Recorder<DisconnectReason>()
        server.onConnection { socket in socket.onDisconnect { reasons.record($0) } }
        let link = InMemoryEngineLink(server: server, executor: loop)
        _ = try XCTUnwrap(link.connectSocket("/", auth: ["token": .string(JWTFixtures.minimal)]))  // exp now + 600

        loop.advance(by: 629_000)   // leeway 30 s
        XCTAssertTrue(reasons.values.isEmpty)
        loop.advance(by: 1_000)
        XCTAssertEqual(reasons.values, [.tokenExpired])
        XCTAssertEqual(link.takePackets().map(\.type), [.disconnect])
    }

    func testARefreshMovesTheExpiry() throws {
        let (server, loop, _) = server(mode: .required, secrets: [JWTFixtures.secret, JWTFixtures.secondSecret])
        let reasons = Recorder<DisconnectReason>()
        server.onConnection { socket in socket.onDisconnect { reasons.record($0) } }
        let link = InMemoryEngineLink(server: server, executor: loop)
        _ = try XCTUnwrap(link.connectSocket("/", auth: ["token": .string(JWTFixtures.expiresNow)]))  // expires at +30 s

        link.emit("pushd:refresh", [.string(JWTFixtures.rotated)], ackId: 1)   // exp now + 600
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: [["ok": true, "exp": 1_700_000_600]], ackId: 1)])
        loop.advance(by: 60_000)
        XCTAssertTrue(reasons.values.isEmpty, "the old expiry no longer applies")

        link.emit("pushd:refresh", [.string(JWTFixtures.expired)], ackId: 2)
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: [["error": "token expired"]], ackId: 2)])
        link.emit("pushd:refresh", ["nonsense"], ackId: 3)
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: [["error": "invalid token"]], ackId: 3)])
        loop.advance(by: 570_000)
        XCTAssertEqual(reasons.values, [.tokenExpired])
    }

    func testLeavingCancelsTheExpiryTimer() throws {
        let (server, loop, _) = server(mode: .required)
        let link = InMemoryEngineLink(server: server, executor: loop)
        _ = try XCTUnwrap(link.connectSocket("/", auth: ["token": .string(JWTFixtures.minimal)]))
        XCTAssertEqual(loop.activeTimerCount, 1)
        link.disconnect()
        XCTAssertEqual(loop.activeTimerCount, 0)
    }
}

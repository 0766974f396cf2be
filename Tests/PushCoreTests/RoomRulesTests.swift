@testable import PushCore
import XCTest

final class RoomRulesTests: XCTestCase {
    private static let config: JSONValue = try! JSONParser.parse(Array("""
        {"/": {"rooms": [{"pattern": "chat:*", "join": "token", "publish": "member"},
                         {"pattern": "lobby", "join": "any", "publish": "member"},
                         {"pattern": "news", "join": "any"}]},
         "/quiet": {"rooms": []}}
        """.utf8))

    func testReadsTheConfigShape() throws {
        let rules = try RoomRules(json: Self.config)
        XCTAssertEqual(rules.rule(namespace: "/", room: "chat:42")?.join, .token)
        XCTAssertEqual(rules.rule(namespace: "/", room: "news")?.publish, RoomRule.Publish.none)
        XCTAssertNil(rules.rule(namespace: "/", room: "other"))
        XCTAssertNotNil(rules.rules(for: "/quiet"))
        XCTAssertNil(rules.rules(for: "/free"))
    }

    func testConfigErrorsNameTheirPlace() {
        let cases: [(String, String)] = [
            (#"[]"#, #""namespaces" must be an object"#),
            (#"{"chat": {"rooms": []}}"#, #"namespaces["chat"]: a namespace starts with "/""#),
            (#"{"/": {"room": []}}"#, #"namespaces["/"] must be {"rooms": [...]}"#),
            (#"{"/": {"rooms": [{"pattern": "a", "join": "maybe"}]}}"#, #"namespaces["/"].rooms[0].join must be any, token or none, not "maybe""#),
            (#"{"/": {"rooms": [{"join": "any"}]}}"#, #"namespaces["/"].rooms[0].pattern must be a non-empty string"#),
            (#"{"/": {"rooms": [{"pattern": "a", "who": 1}]}}"#, #"namespaces["/"].rooms[0]: unknown field "who" (pattern, join, publish)"#),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try RoomRules(json: try JSONParser.parse(Array(text.utf8)))) { error in
                XCTAssertEqual((error as? RoomRulesError)?.description, message)
            }
        }
    }

    private func setUp(mode: AuthMode = .optional) throws -> (SocketServer, ManualExecutor, RoomRules) {
        let (server, loops) = makeSocketServer()
        let loop = loops[0]
        ConnectionTokens(verifier: JWTVerifier(secrets: [JWTFixtures.secret]), mode: mode,
                         clock: { JWTFixtures.now }).install(on: server)
        let rules = try RoomRules(json: Self.config)
        rules.install(on: server)
        return (server, loop, rules)
    }

    private func ack(_ link: InMemoryEngineLink) -> JSONValue? {
        link.takePackets().last { $0.type == .ack }?.data?[0]
    }

    func testJoinFollowsTheRuleAndTheTokensAllowClaim() throws {
        let (server, loop, rules) = try setUp()
        let withToken = InMemoryEngineLink(server: server, executor: loop)
        let member = try XCTUnwrap(withToken.connectSocket("/", auth: ["token": .string(JWTFixtures.hs256)]))  // allow chat:*
        let anonymous = InMemoryEngineLink(server: server, executor: loop)
        let stranger = try XCTUnwrap(anonymous.connectSocket("/"))

        withToken.emit("pushd:join", ["chat:7"], ackId: 1)
        XCTAssertEqual(ack(withToken), ["ok": true])
        XCTAssertTrue(member.rooms.contains("chat:7"))
        anonymous.emit("pushd:join", ["chat:7"], ackId: 1)
        XCTAssertEqual(ack(anonymous), ["error": "not allowed"])
        anonymous.emit("pushd:join", ["lobby"], ackId: 2)
        XCTAssertEqual(ack(anonymous), ["ok": true])
        anonymous.emit("pushd:join", ["elsewhere"], ackId: 3)
        XCTAssertEqual(ack(anonymous), ["error": "not allowed"], "no rule: nobody joins")
        XCTAssertEqual(stranger.rooms, [stranger.id, "lobby"])
        XCTAssertEqual(rules.refused, 2)
    }

    func testPublishReachesTheOtherMembersOnly() throws {
        let (server, loop, _) = try setUp()
        let links = (0..<3).map { _ in InMemoryEngineLink(server: server, executor: loop) }
        let sockets = try links.map { try XCTUnwrap($0.connectSocket("/")) }
        links[0].emit("pushd:join", ["lobby"])
        links[1].emit("pushd:join", ["lobby"])
        for link in links { _ = link.takePackets() }

        links[0].emit("pushd:publish", ["lobby", "said", "hi", ["n": 1]], ackId: 5)
        XCTAssertEqual(ack(links[0]), ["ok": true])
        XCTAssertEqual(links[1].takeEvents().map { [$0.name] + $0.arguments.map(\.jsonString) }, [["said", "\"hi\"", "{\"n\":1}"]])
        XCTAssertTrue(links[2].takeEvents().isEmpty)

        links[2].emit("pushd:publish", ["lobby", "said", "spam"], ackId: 6)
        XCTAssertEqual(ack(links[2]), ["error": "not allowed"], "not a member")
        links[0].emit("pushd:publish", ["lobby", "disconnect"], ackId: 7)
        XCTAssertEqual(ack(links[0]), ["error": "not allowed"], "reserved names are refused")
        links[0].emit("pushd:join", ["news"])
        links[0].emit("pushd:publish", ["news", "said", "x"], ackId: 8)
        XCTAssertEqual(ack(links[0]), ["error": "not allowed"], "the rule says nobody publishes")
        _ = sockets
    }

    func testLeaveOnlyRoomsTheRulesCover() throws {
        let (server, loop, _) = try setUp()
        let link = InMemoryEngineLink(server: server, executor: loop)
        let socket = try XCTUnwrap(link.connectSocket("/"))
        socket.join("staff")
        link.emit("pushd:join", ["lobby"])
        link.emit("pushd:leave", ["lobby"], ackId: 1)
        XCTAssertEqual(ack(link), ["ok": true])
        link.emit("pushd:leave", ["staff"], ackId: 2)
        XCTAssertEqual(ack(link), ["error": "not allowed"], "a room the server chose stays")
        link.emit("pushd:leave", [.string(socket.id)], ackId: 3)
        XCTAssertEqual(ack(link), ["error": "not allowed"])
        XCTAssertEqual(socket.rooms, [socket.id, "staff"])
    }

    func testReservedEventsAreOrdinaryWhereNoRuleCovers() throws {
        let (server, loop, _) = try setUp()
        let seen = Recorder<String>()
        server.of("/free").onConnection { socket in socket.onAny { event, _ in seen.record(event) } }
        let link = InMemoryEngineLink(server: server, executor: loop)
        _ = try XCTUnwrap(link.connectSocket("/free"))
        link.emit("pushd:join", ["lobby"], namespace: "/free")
        XCTAssertEqual(seen.values, ["pushd:join"])
    }
}

import XCTest
@testable import PushCore

/// One engine session's Socket.IO side: the first packet, the connect timeout, routing by
/// namespace, malformed input, upgrades and the end of the session.
final class SocketClientTests: XCTestCase {
    func testFirstPacketOtherThanConnectClosesTheSession() {
        let (server, loops) = makeSocketServer()
        let heard = Recorder<String>()
        server.onConnection { socket in socket.on("hello") { _, _ in heard.record("hello") } }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.emit("hello")

        XCTAssertTrue(link.isClosed)
        XCTAssertEqual(link.closeCalls, 1)
        XCTAssertTrue(link.sent.isEmpty)
        XCTAssertTrue(heard.values.isEmpty)
    }

    func testPacketForANamespaceNotConnectedIsDroppedOnceConnected() throws {
        let (server, loops) = makeSocketServer()
        _ = server.of("/admin")
        let heard = Recorder<String>()
        server.onConnection { socket in socket.on("hello") { _, _ in heard.record("/") } }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        _ = try XCTUnwrap(link.connectSocket())

        link.emit("hello", namespace: "/admin")

        XCTAssertFalse(link.isClosed)
        XCTAssertTrue(heard.values.isEmpty)
        link.emit("hello")
        XCTAssertEqual(heard.values, ["/"], "packets are routed by namespace")
    }

    /// Text lent from a transport's read buffer (overwritten once the call returns) and text
    /// handed over as a packet reach handlers alike, binary attachments included; what a
    /// handler keeps outlives the buffer.
    func testLentTextAndPacketsReachHandlersAlike() throws {
        var outcomes: [([JSONValue], [SocketPacket])] = []
        for lends in [true, false] {
            let (server, loops) = makeSocketServer()
            let link = InMemoryEngineLink(server: server, executor: loops[0])
            link.lendsText = lends
            let socket = try XCTUnwrap(link.connectSocket())
            let kept = Recorder<[JSONValue]>()
            socket.on("note") { arguments, ack in
                kept.record(arguments)
                ack?.send(["ok", .number(Double(arguments.count))])
            }
            _ = link.takePackets()

            link.emit("note", ["héllo", 42, ["nested": ["a", 1.5, nil, true]]], ackId: 3)
            link.receive(SocketPacket(type: .binaryEvent, namespace: "/", data: ["note", .binary([1, 2, 3]), "tail"], ackId: 4))
            link.receive(text: "2/nowhere,[\"note\"]")

            outcomes.append((kept.values.flatMap { $0 }, link.takePackets()))
            XCTAssertTrue(link.isClosed == false, "lent: \(lends)")
        }
        XCTAssertEqual(outcomes[0].0, ["héllo", 42, ["nested": ["a", 1.5, nil, true]], .binary([1, 2, 3]), "tail"])
        XCTAssertEqual(outcomes[0].0, outcomes[1].0)
        XCTAssertEqual(outcomes[0].1, [SocketPacket(type: .ack, data: ["ok", 3], ackId: 3),
                                       SocketPacket(type: .ack, data: ["ok", 2], ackId: 4)])
        XCTAssertEqual(outcomes[0].1, outcomes[1].1)
    }

    func testConnectTimeoutClosesASessionThatNeverConnects() {
        var configuration = SocketServerConfiguration()
        configuration.connectTimeout = 1_000
        let (server, loops) = makeSocketServer(configuration: configuration)
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        loops[0].advance(by: 999)
        XCTAssertFalse(link.isClosed)
        loops[0].advance(by: 1)
        XCTAssertTrue(link.isClosed)
        XCTAssertEqual(link.closeCalls, 1)
    }

    func testConnectingCancelsTheConnectTimeout() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        XCTAssertEqual(loops[0].activeTimerCount, 1)

        _ = try XCTUnwrap(link.connectSocket())

        XCTAssertEqual(loops[0].activeTimerCount, 0)
        loops[0].advance(by: server.configuration.connectTimeout * 2)
        XCTAssertFalse(link.isClosed)
    }

    func testARefusedNamespaceDoesNotCountAsConnected() {
        var configuration = SocketServerConfiguration()
        configuration.connectTimeout = 1_000
        let (server, loops) = makeSocketServer(configuration: configuration)
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect("/nope")
        loops[0].advance(by: 1_000)

        XCTAssertTrue(link.isClosed, "only a connected namespace stops the connect timeout")
    }

    func testTheEngineClosingCancelsTheConnectTimeout() {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.engineClose(reason: .transportClose)

        XCTAssertEqual(loops[0].activeTimerCount, 0)
        XCTAssertEqual(link.closeCalls, 0, "the socket layer does not close a session the engine closed")
    }

    func testSecondConnectToTheSameNamespaceIsIgnored() throws {
        let (server, loops) = makeSocketServer()
        let connected = Recorder<Socket>()
        server.onConnection { connected.record($0) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect()
        link.connect()

        XCTAssertEqual(connected.values.count, 1)
        XCTAssertEqual(link.takePackets().map(\.type), [.connect])
    }

    func testHandshakeCarriesTheAuthPayloadAndTheEngineRequest() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0], open: false)
        link.handshakeHeaders = [("User-Agent", "tests")]
        link.handshakeQuery = [("room", "lobby")]
        link.remoteAddress = "10.0.0.7"
        link.open()

        let withAuth = try XCTUnwrap(link.connectSocket("/", auth: ["token": "abc"]))
        XCTAssertEqual(withAuth.handshake.auth, ["token": "abc"])
        XCTAssertEqual(withAuth.handshake.header("user-agent"), "tests")
        XCTAssertEqual(withAuth.handshake.query("room"), "lobby")
        XCTAssertEqual(withAuth.handshake.remoteAddress, "10.0.0.7")
        XCTAssertEqual(withAuth.handshake.issuedAt, link.issuedAt)
        XCTAssertEqual(withAuth.handshake.url, link.requestURL)

        _ = server.of("/plain")
        let withoutAuth = try XCTUnwrap(link.connectSocket("/plain"))
        XCTAssertEqual(withoutAuth.handshake.auth, [:], "no auth reads as an empty object")
    }

    func testMalformedPacketClosesWithParseError() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        let reasons = Recorder<DisconnectReason>()
        socket.onDisconnect { reasons.record($0) }

        link.receive(text: "2[\"unterminated")

        XCTAssertTrue(link.isClosed)
        XCTAssertEqual(reasons.values, [.parseError])
    }

    func testBinaryMessageWithoutAPendingPacketClosesWithParseError() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        let reasons = Recorder<DisconnectReason>()
        socket.onDisconnect { reasons.record($0) }

        link.receive(EnginePacket.message(binary: [1, 2, 3]))

        XCTAssertTrue(link.isClosed)
        XCTAssertEqual(reasons.values, [.parseError])
    }

    func testUpgradeIsReportedToEveryConnectedSocket() throws {
        let (server, loops) = makeSocketServer()
        _ = server.of("/chat")
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        link.transportName = "polling"
        let main = try XCTUnwrap(link.connectSocket())
        let chat = try XCTUnwrap(link.connectSocket("/chat"))
        let upgrades = Recorder<String>()
        main.onUpgrade { upgrades.record("/ \($0)") }
        chat.onUpgrade { upgrades.record("/chat \($0)") }
        XCTAssertEqual(main.transportName, "polling")

        link.upgrade(to: "websocket")

        XCTAssertEqual(upgrades.values.sorted(), ["/ websocket", "/chat websocket"])
        XCTAssertEqual(main.transportName, "websocket")
    }

    func testTheEngineClosingForgetsEverySocket() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        socket.join("lobby")

        link.engineClose(reason: .transportClose)
        server.emit("after")
        server.to("lobby").emit("after")

        XCTAssertFalse(socket.isConnected)
        XCTAssertTrue(socket.rooms.isEmpty)
        XCTAssertTrue(server.sockets.loops[0].sockets.isEmpty)
        XCTAssertTrue(server.sockets.loops[0].rooms.isEmpty)
        XCTAssertTrue(link.takePackets().isEmpty, "broadcasts skip a closed session")
    }

    func testAttachmentsThatNeverArriveCloseTheSessionAfterTheAttachmentTimeout() throws {
        var configuration = SocketServerConfiguration()
        configuration.attachmentTimeout = 30_000
        let (server, loops) = makeSocketServer(configuration: configuration)
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        _ = try XCTUnwrap(link.connectSocket())
        let client = try XCTUnwrap(link.socketClient)

        // Two of three announced attachments: the packet waits, holding them.
        link.receive(text: #"53-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#)
        link.receive(.message(binary: [UInt8](repeating: 1, count: 1_000)))
        link.receive(.message(binary: [UInt8](repeating: 2, count: 500)))
        XCTAssertEqual(server.heldBytes(client: client), 1_500)
        loops[0].advance(by: 29_999)
        XCTAssertFalse(link.isClosed)
        loops[0].advance(by: 1)
        XCTAssertTrue(link.isClosed, "a partial packet does not wait for ever")
        XCTAssertEqual(server.heldBytes(client: client), 0)
    }

    func testAttachmentsThatArriveInTimeCancelTheAttachmentTimeout() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        _ = try XCTUnwrap(link.connectSocket())
        link.receive(text: #"51-["upload",{"_placeholder":true,"num":0}]"#)
        XCTAssertEqual(loops[0].activeTimerCount, 1)
        link.receive(.message(binary: [1, 2, 3]))
        XCTAssertEqual(loops[0].activeTimerCount, 0)
        loops[0].advance(by: server.configuration.attachmentTimeout * 2)
        XCTAssertFalse(link.isClosed)
    }
}

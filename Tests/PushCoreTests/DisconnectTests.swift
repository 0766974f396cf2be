import XCTest
@testable import PushCore

/// How sockets leave, and the reason each way reports to `onDisconnecting` and `onDisconnect`.
final class DisconnectTests: XCTestCase {
    /// A session connected to "/" and "/chat", with every disconnect reason recorded by namespace.
    private func session() throws -> (InMemoryEngineLink, main: Socket, chat: Socket, reasons: Recorder<String>) {
        let (server, loops) = makeSocketServer()
        _ = server.of("/chat")
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let main = try XCTUnwrap(link.connectSocket())
        let chat = try XCTUnwrap(link.connectSocket("/chat"))
        let reasons = Recorder<String>()
        main.onDisconnect { reasons.record("/ \($0)") }
        chat.onDisconnect { reasons.record("/chat \($0)") }
        _ = link.takePackets()
        return (link, main, chat, reasons)
    }

    func testClientNamespaceDisconnectLeavesTheOtherNamespacesAndTheSession() throws {
        let (link, main, chat, _) = try session()
        let reasons = Recorder<DisconnectReason>()
        chat.onDisconnect { reasons.record($0) }

        link.disconnect("/chat")

        XCTAssertEqual(reasons.values, [.clientNamespaceDisconnect])
        XCTAssertFalse(chat.isConnected)
        XCTAssertTrue(main.isConnected)
        XCTAssertFalse(link.isClosed)
        XCTAssertTrue(link.takePackets().isEmpty, "the server does not answer a DISCONNECT")
    }

    func testServerNamespaceDisconnectSendsDisconnectAndKeepsTheSession() throws {
        let (link, main, chat, _) = try session()
        let reasons = Recorder<DisconnectReason>()
        chat.onDisconnect { reasons.record($0) }

        chat.disconnect()
        chat.disconnect()

        XCTAssertEqual(reasons.values, [.serverNamespaceDisconnect], "once")
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .disconnect, namespace: "/chat")])
        XCTAssertTrue(main.isConnected)
        XCTAssertFalse(link.isClosed)
    }

    func testServerDisconnectClosingTheTransportTellsEveryNamespaceFirst() throws {
        let (link, main, _, reasons) = try session()

        main.disconnect(closeTransport: true)

        XCTAssertEqual(Set(link.takePackets().map { "\($0.type) \($0.namespace)" }), ["disconnect /", "disconnect /chat"])
        XCTAssertTrue(link.isClosed)
        XCTAssertEqual(link.closeCalls, 1)
        XCTAssertEqual(reasons.values.sorted(), ["/ server namespace disconnect", "/chat server namespace disconnect"],
                       "the server's reason wins over the engine's report of its own close")
    }

    func testTransportCloseReachesEveryNamespace() throws {
        let (link, _, _, reasons) = try session()
        link.engineClose(reason: .transportClose)
        XCTAssertEqual(reasons.values.sorted(), ["/ transport close", "/chat transport close"])
    }

    func testEngineReasonsArePassedOn() throws {
        for reason in [DisconnectReason.pingTimeout, .transportError, .forcedServerClose, .slowConsumer] {
            let (link, _, _, reasons) = try session()
            link.engineClose(reason: reason)
            XCTAssertEqual(reasons.values.sorted(), ["/ \(reason)", "/chat \(reason)"])
        }
    }

    func testParseErrorDisconnectsEveryNamespace() throws {
        let (link, _, _, reasons) = try session()
        link.receive(text: "7")
        XCTAssertTrue(link.isClosed)
        XCTAssertEqual(reasons.values.sorted(), ["/ parse error", "/chat parse error"])
    }

    func testDisconnectingSeesTheRoomsAndDisconnectDoesNot() throws {
        let (link, main, _, _) = try session()
        main.join("lobby")
        let seen = Recorder<String>()
        main.onDisconnecting { reason in
            seen.record("disconnecting \(reason) \(main.rooms.contains("lobby")) \(main.isConnected)")
        }
        main.onDisconnect { reason in
            seen.record("disconnect \(reason) \(main.rooms.isEmpty) \(main.isConnected)")
        }

        link.engineClose(reason: .pingTimeout)

        XCTAssertEqual(seen.values, ["disconnecting ping timeout true true", "disconnect ping timeout true false"])
    }

    func testHandlersAreDroppedAfterTheDisconnect() throws {
        let (link, main, _, _) = try session()
        let heard = Recorder<String>()
        main.on("x") { _, _ in heard.record("x") }
        main.disconnect()
        XCTAssertNotNil(link.connectSocket())

        link.emit("x")

        XCTAssertTrue(heard.values.isEmpty, "the new socket for / has its own handlers")
    }
}

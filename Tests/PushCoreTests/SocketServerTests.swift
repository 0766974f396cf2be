import XCTest
@testable import PushCore

/// Connecting namespaces: the main one, named ones, dynamic ones, unknown ones; and the
/// server's between-nodes hooks when alone.
final class SocketServerTests: XCTestCase {
    func testConnectToMainNamespaceAnswersWithTheSocketID() throws {
        let (server, loops) = makeSocketServer()
        let connected = Recorder<Socket>()
        server.onConnection { connected.record($0) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect()

        let socket = try XCTUnwrap(connected.values.first)
        XCTAssertEqual(connected.values.count, 1)
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connect, namespace: "/", data: ["sid": .string(socket.id)])])
        XCTAssertTrue(socket.isConnected)
        XCTAssertEqual(socket.namespace.name, "/")
        XCTAssertEqual(socket.rooms, [socket.id], "a socket starts in the room named by its id")
        XCTAssertEqual(socket.sessionID, link.sessionID)
        XCTAssertNotEqual(socket.id, link.sessionID, "the socket id is not the engine session id")
        XCTAssertFalse(link.isClosed)
    }

    func testConnectToNamedNamespace() throws {
        let (server, loops) = makeSocketServer()
        let main = Recorder<Socket>(), admin = Recorder<Socket>()
        server.onConnection { main.record($0) }
        server.of("admin").onConnection { admin.record($0) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect("/admin")

        let socket = try XCTUnwrap(admin.values.first)
        XCTAssertTrue(main.values.isEmpty, "connecting /admin does not connect /")
        XCTAssertEqual(socket.namespace.name, "/admin")
        XCTAssertTrue(server.of("/admin") === server.of("admin"), "names are taken with or without the slash")
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connect, namespace: "/admin", data: ["sid": .string(socket.id)])])
    }

    func testOneSessionConnectsSeveralNamespaces() throws {
        let (server, loops) = makeSocketServer()
        _ = server.of("/chat")
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        let main = try XCTUnwrap(link.connectSocket("/"))
        let chat = try XCTUnwrap(link.connectSocket("/chat"))

        XCTAssertNotEqual(main.id, chat.id)
        XCTAssertEqual(main.sessionID, chat.sessionID)
    }

    func testDynamicNamespaceIsMadeAndConfiguredOnce() throws {
        let (server, loops) = makeSocketServer()
        let configured = Recorder<String>(), connected = Recorder<String>()
        server.of(matching: { $0.hasPrefix("/room-") }) { namespace in
            configured.record(namespace.name)
            namespace.onConnection { connected.record($0.namespace.name) }
        }
        XCTAssertNil(server.existingNamespace("/room-1"))

        let first = InMemoryEngineLink(server: server, executor: loops[0])
        let second = InMemoryEngineLink(server: server, executor: loops[0])
        XCTAssertNotNil(first.connectSocket("/room-1"))
        XCTAssertNotNil(second.connectSocket("/room-1"))
        XCTAssertNotNil(second.connectSocket("/room-2"))

        XCTAssertEqual(configured.values, ["/room-1", "/room-2"])
        XCTAssertEqual(connected.values, ["/room-1", "/room-1", "/room-2"])
        XCTAssertNotNil(server.existingNamespace("/room-1"))
    }

    func testUnknownNamespaceIsRefusedWithConnectError() throws {
        let (server, loops) = makeSocketServer()
        server.of(matching: { $0 == "/dynamic" }) { _ in }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect("/nope")

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connectError, namespace: "/nope", data: ["message": "Invalid namespace"])])
        XCTAssertFalse(link.isClosed, "a refused namespace leaves the session open")
        XCTAssertNil(server.existingNamespace("/nope"), "refusing does not make the namespace")
        XCTAssertNotNil(link.connectSocket("/"), "the session can still connect another namespace")
    }

    func testEmitFromTheServerReachesEveryMainNamespaceSocket() throws {
        let (server, loops) = makeSocketServer()
        _ = server.of("/other")
        let first = InMemoryEngineLink(server: server, executor: loops[0])
        let second = InMemoryEngineLink(server: server, executor: loops[0])
        let elsewhere = InMemoryEngineLink(server: server, executor: loops[0])
        _ = first.connectSocket()
        _ = second.connectSocket()
        _ = elsewhere.connectSocket("/other")

        server.emit("news", "hi", 2)

        for link in [first, second] {
            let events = link.takeEvents()
            XCTAssertEqual(events.map(\.name), ["news"])
            XCTAssertEqual(events.first?.arguments, ["hi", 2])
        }
        XCTAssertTrue(elsewhere.takeEvents().isEmpty, "another namespace hears nothing")
    }

    func testServerSideEmitAloneCompletesWithNoAnswers() {
        let (server, _) = makeSocketServer()
        let answers = Recorder<[[JSONValue]]>()
        server.serverSideEmit("hello", 1) { answers.record($0) }
        XCTAssertEqual(answers.values.count, 1)
        XCTAssertEqual(answers.values.first?.isEmpty, true)
    }

    func testReceiveServerSideEmitRunsTheHandlerOrRepliesEmpty() {
        let (server, _) = makeSocketServer()
        server.onServerSideEmit("sum") { arguments, reply in
            reply([.number(arguments.compactMap(\.doubleValue).reduce(0, +))])
        }
        let replies = Recorder<[JSONValue]>()
        server.receiveServerSideEmit("sum", [1, 2, 3]) { replies.record($0) }
        server.receiveServerSideEmit("unknown", [1]) { replies.record($0) }
        XCTAssertEqual(replies.values, [[6], []])
    }
}

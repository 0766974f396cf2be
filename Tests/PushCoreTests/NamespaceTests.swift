import XCTest
@testable import PushCore

/// A namespace's own sockets, handlers and broadcasts, apart from other namespaces.
final class NamespaceTests: XCTestCase {
    func testConnectionHandlersRunInOrderWithTheSocketAlreadyListed() throws {
        let (server, loops) = makeSocketServer()
        let namespace = server.of("/game")
        let steps = Recorder<String>()
        namespace.onConnection { socket in
            steps.record("first \(namespace.loops[0].sockets[socket.id] != nil) \(socket.isConnected)")
        }
        namespace.onConnection { _ in steps.record("second") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        XCTAssertNotNil(link.connectSocket("/game"))

        XCTAssertEqual(steps.values, ["first true true", "second"])
    }

    func testAnEmitInAHandlerFollowsTheConnectAnswer() throws {
        let (server, loops) = makeSocketServer()
        server.onConnection { socket in socket.emit("welcome") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect()

        XCTAssertEqual(link.takePackets().map(\.type), [.connect, .event])
    }

    func testNamespaceEmitReachesOnlyItsOwnSockets() throws {
        let (server, loops) = makeSocketServer(loops: 2)
        let game = server.of("/game")
        let inGame = [InMemoryEngineLink(server: server, executor: loops[0]), InMemoryEngineLink(server: server, executor: loops[1])]
        for link in inGame { XCTAssertNotNil(link.connectSocket("/game")) }
        let onMain = InMemoryEngineLink(server: server, executor: loops[0])
        XCTAssertNotNil(onMain.connectSocket())

        game.emit("round", 3)

        for link in inGame {
            let events = link.takeEvents()
            XCTAssertEqual(events.map(\.namespace), ["/game"])
            XCTAssertEqual(events.first?.arguments, [3])
        }
        XCTAssertTrue(onMain.takeEvents().isEmpty)
    }

    func testNamespaceOperatorsMatchTheBroadcastOperator() throws {
        let (server, _) = makeSocketServer()
        let namespace = server.of("/n")
        XCTAssertEqual(namespace.to("a").rooms, ["a"])
        XCTAssertEqual(namespace.in("a").to("b").rooms, ["a", "b"])
        XCTAssertEqual(namespace.except("c").exceptRooms, ["c"])
        XCTAssertTrue(namespace.volatile.isVolatile)
        XCTAssertFalse(namespace.broadcastAll.isVolatile)
        XCTAssertTrue(namespace.broadcastAll.rooms.isEmpty && namespace.broadcastAll.exceptRooms.isEmpty)
    }

    func testADisconnectedSocketLeavesTheNamespacesTables() throws {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        socket.join("r")
        XCTAssertEqual(server.sockets.loops[0].sockets.count, 1)
        XCTAssertEqual(Set(server.sockets.loops[0].rooms.keys), ["r"], "its own room is implied by the socket table")

        link.disconnect()

        XCTAssertTrue(server.sockets.loops[0].sockets.isEmpty)
        XCTAssertTrue(server.sockets.loops[0].rooms.isEmpty)
        XCTAssertNotNil(link.connectSocket(), "the session may connect the namespace again")
    }
}

import XCTest
@testable import PushCore

/// Server-wide lifecycle observers: connect (with rooms joined in middleware), joins and leaves
/// of other rooms while connected, and one disconnect with its reason; nothing for refusals.
final class SocketLifecycleEventTests: XCTestCase {
    func testObserverHearsConnectRoomsAndDisconnectInOrder() throws {
        let (server, loops) = makeSocketServer()
        let heard = Recorder<String>()
        server.useOnEveryNamespace { socket, next in
            socket.join("from-middleware")
            next(nil)
        }
        server.observeLifecycle { socket, event in
            switch event {
            case .connected: heard.record("connected \(socket.namespace.name) \(socket.rooms.sorted().filter { $0 != socket.id })")
            case .joined(let room): heard.record("joined \(room)")
            case .left(let room): heard.record("left \(room)")
            case .disconnected(let reason): heard.record("disconnected \(reason)")
            }
        }
        server.onConnection { socket in heard.record("handler") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        socket.join("a")
        socket.join("a")
        socket.leave("a")
        socket.leave(socket.id)
        link.disconnect()
        socket.join("after")

        XCTAssertEqual(heard.values, ["connected / [\"from-middleware\"]", "handler", "joined a", "left a",
                                      "disconnected \(DisconnectReason.clientNamespaceDisconnect)"])
    }

    func testRefusedSocketsAreNotReported() {
        let (server, loops) = makeSocketServer()
        let heard = Recorder<SocketLifecycleEvent>()
        server.useOnEveryNamespace { _, next in next(ConnectionRefused("no")) }
        server.observeLifecycle { _, event in heard.record(event) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        XCTAssertNil(link.connectSocket())
        link.engineClose(reason: .transportClose)
        XCTAssertEqual(heard.values, [])
    }
}

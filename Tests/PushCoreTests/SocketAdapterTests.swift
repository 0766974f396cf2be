import XCTest
@testable import PushCore

/// The in-memory adapter's operations on chosen sockets (fetch, join, leave, disconnect) across
/// loops, and the contract between the broadcast operator and any adapter.
final class SocketAdapterTests: XCTestCase {
    private struct Pair {
        let server: SocketServer
        let loops: [ManualExecutor]
        let first: (link: InMemoryEngineLink, socket: Socket)
        let second: (link: InMemoryEngineLink, socket: Socket)
    }

    /// Two sockets on "/", one per loop; the first in room "red".
    private func pair() throws -> Pair {
        let (server, loops) = makeSocketServer(loops: 2)
        let firstLink = InMemoryEngineLink(server: server, executor: loops[0])
        firstLink.transportName = "polling"
        firstLink.handshakeQuery = [("EIO", "4")]
        let first = try XCTUnwrap(firstLink.connectSocket("/", auth: ["token": "x"]))
        first.join("red")
        first.data["name"] = "ann"
        let secondLink = InMemoryEngineLink(server: server, executor: loops[1])
        let second = try XCTUnwrap(secondLink.connectSocket())
        return Pair(server: server, loops: loops, first: (firstLink, first), second: (secondLink, second))
    }

    func testFetchSocketsGathersSnapshotsFromEveryLoopOnce() throws {
        let pair = try pair()
        let results = Recorder<[SocketSnapshot]>()

        pair.server.sockets.broadcastAll.fetchSockets { results.record($0) }

        XCTAssertEqual(results.values.count, 1)
        let snapshots = try XCTUnwrap(results.values.first)
        XCTAssertEqual(Set(snapshots.map(\.id)), [pair.first.socket.id, pair.second.socket.id])
        let first = try XCTUnwrap(snapshots.first { $0.id == pair.first.socket.id })
        XCTAssertEqual(first.namespace, "/")
        XCTAssertEqual(first.rooms, [first.id, "red"])
        XCTAssertEqual(first.data, ["name": "ann"])
        XCTAssertEqual(first.transportName, "polling")
        XCTAssertEqual(first.handshake.auth, ["token": "x"])
        XCTAssertEqual(first.handshake.query("EIO"), "4")
    }

    func testFetchSocketsByRoomAndFromAnotherThread() throws {
        let pair = try pair()
        let results = Recorder<[String]>()
        for loop in pair.loops { loop.inEventLoop = false }

        pair.server.to("red").fetchSockets { results.record($0.map(\.id)) }
        pair.server.except("red").fetchSockets { results.record($0.map(\.id)) }
        XCTAssertTrue(results.values.isEmpty, "the answer waits for every loop")
        pair.loops[0].runPending()
        XCTAssertTrue(results.values.isEmpty)
        pair.loops[1].runPending()

        XCTAssertEqual(results.values, [[pair.first.socket.id], [pair.second.socket.id]])
    }

    func testSocketsJoinAndLeave() throws {
        let pair = try pair()

        pair.server.sockets.broadcastAll.socketsJoin("all")
        XCTAssertTrue(pair.first.socket.rooms.contains("all"))
        XCTAssertTrue(pair.second.socket.rooms.contains("all"))

        pair.server.to("red").socketsLeave("all")
        XCTAssertFalse(pair.first.socket.rooms.contains("all"))
        XCTAssertTrue(pair.second.socket.rooms.contains("all"))

        pair.server.to("all").emit("e")
        XCTAssertEqual(pair.first.link.takeEvents().map(\.name), [])
        XCTAssertEqual(pair.second.link.takeEvents().map(\.name), ["e"])
    }

    func testDisconnectSocketsLeavesTheSessionOpen() throws {
        let pair = try pair()
        let reasons = Recorder<DisconnectReason>()
        pair.first.socket.onDisconnect { reasons.record($0) }
        pair.second.socket.onDisconnect { _ in XCTFail("not chosen") }
        _ = pair.first.link.takePackets()

        pair.server.to("red").disconnectSockets()

        XCTAssertEqual(reasons.values, [.serverNamespaceDisconnect])
        XCTAssertEqual(pair.first.link.takePackets(), [SocketPacket(type: .disconnect)])
        XCTAssertFalse(pair.first.link.isClosed)
        XCTAssertTrue(pair.second.socket.isConnected)
    }

    func testDisconnectSocketsClosingTheTransport() throws {
        let pair = try pair()
        _ = pair.server.of("/chat")
        let chat = try XCTUnwrap(pair.first.link.connectSocket("/chat"))
        let reasons = Recorder<String>()
        pair.first.socket.onDisconnect { reasons.record("/ \($0)") }
        chat.onDisconnect { reasons.record("/chat \($0)") }

        pair.server.to("red").disconnectSockets(closeTransport: true)

        let packets = pair.first.link.takePackets()
        XCTAssertEqual(Set(packets.map(\.namespace)), ["/", "/chat"], "every namespace of the session hears DISCONNECT")
        XCTAssertEqual(packets.map(\.type), [.disconnect, .disconnect])
        XCTAssertTrue(pair.first.link.isClosed)
        XCTAssertEqual(reasons.values.sorted(), ["/ server namespace disconnect", "/chat server namespace disconnect"])
        XCTAssertFalse(pair.second.link.isClosed)
    }

    func testTheBroadcastOperatorHandsItsChoiceToTheAdapter() throws {
        let (server, _) = makeSocketServer()
        let adapter = RecordingAdapter()
        server.adapter = adapter

        server.of("/x").to("a").to("b").except("c").volatile.emit("e", 1)
        server.to("r").socketsJoin("j")
        server.except("r").disconnectSockets(closeTransport: true)
        server.serverSideEmit("hi", 2) { _ in }

        XCTAssertEqual(adapter.calls, [
            "broadcast /x rooms [a, b] except [c] volatile true: 2/x,[\"e\",1]",
            "apply join(j) / rooms [r] except []",
            "apply disconnect(true) / rooms [] except [r]",
            "serverSideEmit hi [2]",
        ])
    }
}

/// An adapter that writes down what it is asked to do.
private final class RecordingAdapter: SocketAdapter, @unchecked Sendable {
    private(set) var calls: [String] = []

    private func list(_ rooms: Set<String>) -> String { "[" + rooms.sorted().joined(separator: ", ") + "]" }

    func broadcast(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>, volatile: Bool) {
        let text = wire.messages.map { String(decoding: $0.payload, as: UTF8.self) }.joined(separator: "|")
        calls.append("broadcast \(namespace.name) rooms \(list(rooms)) except \(list(except)) volatile \(volatile): \(text)")
    }

    func fetchSockets(namespace: Namespace, rooms: Set<String>, except: Set<String>,
                      completion: @escaping @Sendable ([SocketSnapshot]) -> Void) {
        calls.append("fetch \(namespace.name)")
        completion([])
    }

    func apply(_ operation: SocketOperation, namespace: Namespace, rooms: Set<String>, except: Set<String>) {
        let name: String
        switch operation {
        case .join(let room): name = "join(\(room))"
        case .leave(let room): name = "leave(\(room))"
        case .disconnect(let close): name = "disconnect(\(close))"
        }
        calls.append("apply \(name) \(namespace.name) rooms \(list(rooms)) except \(list(except))")
    }

    func serverSideEmit(_ event: String, _ arguments: [JSONValue], server: SocketServer,
                        completion: (@Sendable ([[JSONValue]]) -> Void)?) {
        calls.append("serverSideEmit \(event) \(JSONValue.array(arguments).jsonString)")
    }
}

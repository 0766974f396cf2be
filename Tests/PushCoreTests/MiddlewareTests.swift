import XCTest
@testable import PushCore

/// Namespace middleware: in order, refusing with a message and data, answering later (from the
/// loop or another thread), and racing the connect timeout.
final class MiddlewareTests: XCTestCase {
    func testMiddlewareRunsInOrderBeforeTheConnectionHandlers() throws {
        let (server, loops) = makeSocketServer()
        let steps = Recorder<String>()
        server.use { (socket: Socket) throws(ConnectionRefused) in
            steps.record("first \(socket.handshake.auth["token"]?.stringValue ?? "-")")
            socket.data["user"] = "ann"
        }
        server.use { (_: Socket) throws(ConnectionRefused) in steps.record("second") }
        server.onConnection { socket in steps.record("connected \(socket.data["user"]?.stringValue ?? "-")") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        XCTAssertNotNil(link.connectSocket("/", auth: ["token": "t1"]))

        XCTAssertEqual(steps.values, ["first t1", "second", "connected ann"])
    }

    func testRefusalSendsConnectErrorWithMessageAndData() throws {
        let (server, loops) = makeSocketServer()
        let steps = Recorder<String>()
        server.use { (_: Socket) throws(ConnectionRefused) in
            throw ConnectionRefused("not authorized", data: ["code": 401])
        }
        server.use { (_: Socket) throws(ConnectionRefused) in steps.record("second middleware") }
        server.onConnection { _ in steps.record("connected") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect()

        XCTAssertEqual(link.takePackets(), [
            SocketPacket(type: .connectError, data: ["message": "not authorized", "data": ["code": 401]]),
        ])
        XCTAssertTrue(steps.values.isEmpty, "a refusal stops the chain")
        XCTAssertTrue(server.sockets.loops[0].sockets.isEmpty)
        XCTAssertFalse(link.isClosed)
    }

    func testRefusalWithoutDataHasOnlyAMessage() {
        let (server, loops) = makeSocketServer()
        server.of("/admin").use { (_: Socket) throws(ConnectionRefused) in throw ConnectionRefused("admins only") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect("/admin")

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connectError, namespace: "/admin", data: ["message": "admins only"])])
    }

    func testARefusedClientMayTryAgain() throws {
        let (server, loops) = makeSocketServer()
        server.use { (socket: Socket) throws(ConnectionRefused) in
            guard socket.handshake.auth["token"] == "good" else { throw ConnectionRefused("bad token") }
        }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect("/", auth: ["token": "bad"])
        XCTAssertEqual(link.takePackets().map(\.type), [.connectError])

        XCTAssertNotNil(link.connectSocket("/", auth: ["token": "good"]))
    }

    func testDeferredMiddlewareConnectsWhenItAnswers() throws {
        let (server, loops) = makeSocketServer()
        let pending = Recorder<(ConnectionRefused?) -> Void>()
        let connected = Recorder<Socket>()
        server.use { _, next in pending.record(next) }
        server.onConnection { connected.record($0) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        link.connect()
        XCTAssertTrue(link.takePackets().isEmpty, "nothing is sent while middleware decides")
        XCTAssertTrue(connected.values.isEmpty)
        link.connect()
        XCTAssertEqual(pending.values.count, 1, "a second CONNECT while deciding is ignored")

        pending.values[0](nil)

        let socket = try XCTUnwrap(connected.values.first)
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connect, data: ["sid": .string(socket.id)])])
    }

    func testDeferredRefusalFromAnotherThreadIsSentOnTheLoop() {
        let (server, loops) = makeSocketServer()
        let pending = Recorder<(ConnectionRefused?) -> Void>()
        server.use { _, next in pending.record(next) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        link.connect()

        loops[0].inEventLoop = false
        pending.values[0](ConnectionRefused("later", data: "why"))
        XCTAssertTrue(link.takePackets().isEmpty)
        loops[0].inEventLoop = true
        loops[0].runPending()

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connectError, data: ["message": "later", "data": "why"])])
    }

    func testConnectTimeoutClosesASessionWhoseMiddlewareNeverAnswers() {
        var configuration = SocketServerConfiguration()
        configuration.connectTimeout = 1_000
        let (server, loops) = makeSocketServer(configuration: configuration)
        let pending = Recorder<(ConnectionRefused?) -> Void>()
        let connected = Recorder<Socket>()
        server.use { _, next in pending.record(next) }
        server.onConnection { connected.record($0) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        link.connect()

        loops[0].advance(by: 1_000)
        XCTAssertTrue(link.isClosed, "a namespace still in middleware is not connected")

        pending.values.first?(nil)
        XCTAssertTrue(connected.values.isEmpty, "an answer after the session closed connects nothing")
        XCTAssertTrue(link.takePackets().isEmpty)
        XCTAssertTrue(server.sockets.loops[0].sockets.isEmpty)
    }

    func testServerMiddlewareRunsFirstOnEveryNamespace() {
        let (server, loops) = makeSocketServer()
        let steps = Recorder<String>()
        server.useOnEveryNamespace { socket, next in
            steps.record("server \(socket.namespace.name)")
            next(socket.namespace.name == "/closed" ? ConnectionRefused("namespace not allowed") : nil)
        }
        server.of("/chat").use { (socket: Socket) throws(ConnectionRefused) in steps.record("chat \(socket.namespace.name)") }
        server.of("/closed").use { (_: Socket) throws(ConnectionRefused) in steps.record("closed middleware") }
        let link = InMemoryEngineLink(server: server, executor: loops[0])

        XCTAssertNotNil(link.connectSocket("/"))
        XCTAssertNotNil(link.connectSocket("/chat"))
        link.connect("/closed")

        XCTAssertEqual(steps.values, ["server /", "server /chat", "chat /chat", "server /closed"])
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .connectError, namespace: "/closed", data: ["message": "namespace not allowed"])])
    }

    func testRoomsJoinedInMiddlewareAreJoinedBeforeTheClientHearsItConnected() throws {
        let (server, loops) = makeSocketServer()
        server.use { (socket: Socket) throws(ConnectionRefused) in socket.join("vip") }
        server.onConnection { socket in socket.emit("rooms", .array(socket.rooms.sorted().map { .string($0) })) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        XCTAssertEqual(socket.rooms, [socket.id, "vip"])

        server.to("vip").emit("news")
        loops[0].runPending()

        XCTAssertEqual(link.takeEvents().map(\.name), ["news"])
    }

    func testRoomsJoinedByARefusedSocketReachNoBroadcast() {
        let (server, loops) = makeSocketServer()
        server.use { (socket: Socket) throws(ConnectionRefused) in
            socket.join("vip")
            throw ConnectionRefused("no")
        }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        link.connect()
        _ = link.takePackets()

        server.to("vip").emit("news")
        loops[0].runPending()

        XCTAssertTrue(link.takePackets().isEmpty)
    }
}

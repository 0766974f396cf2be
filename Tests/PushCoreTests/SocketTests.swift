import XCTest
@testable import PushCore

/// One socket's events: handlers in and emits out, with arguments and binary attachments.
final class SocketTests: XCTestCase {
    private func connected() throws -> (InMemoryEngineLink, Socket, ManualExecutor) {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        return (link, try XCTUnwrap(link.connectSocket()), loops[0])
    }

    func testEventHandlerGetsItsArguments() throws {
        let (link, socket, _) = try connected()
        let calls = Recorder<[JSONValue]>()
        socket.on("chat") { arguments, ack in
            XCTAssertNil(ack, "no ack id, no acknowledgement")
            calls.record(arguments)
        }

        link.emit("chat", ["hello", 42, ["nested": [true, nil]]])
        link.emit("other", ["ignored"])

        XCTAssertEqual(calls.values, [["hello", 42, ["nested": [true, nil]]]])
    }

    func testNamespaceEventHandlersServeEverySocketAfterItsOwn() throws {
        let (server, loops) = makeSocketServer()
        let first = InMemoryEngineLink(server: server, executor: loops[0])
        let second = InMemoryEngineLink(server: server, executor: loops[0])
        let calls = Recorder<String>()
        server.onEvent("chat") { socket, arguments, ack in
            let who = socket.client.link === first ? "first" : "second"
            calls.record("shared \(who) \(arguments.first?.stringValue ?? "") \(ack != nil)")
        }
        let one = try XCTUnwrap(first.connectSocket())
        _ = try XCTUnwrap(second.connectSocket())
        one.on("chat") { _, _ in calls.record("own") }

        first.emit("chat", ["a"])
        second.emit("chat", ["b"], ackId: 7)
        second.emit("other", ["c"])

        XCTAssertEqual(calls.values, ["own", "shared first a false", "shared second b true"])
    }

    /// Each loop calls its own copy of the shared handlers and interceptors; one added after a
    /// loop made its copy is called there too, on every loop.
    func testHandlersAddedAfterEventsReachEveryLoop() throws {
        let (server, loops) = makeSocketServer(loops: 2)
        let first = InMemoryEngineLink(server: server, executor: loops[0])
        let second = InMemoryEngineLink(server: server, executor: loops[1])
        _ = try XCTUnwrap(first.connectSocket())
        _ = try XCTUnwrap(second.connectSocket())
        let calls = Recorder<String>()
        func loop(_ socket: Socket) -> String { "loop \(socket.loopIndex)" }
        server.onEvent("chat") { socket, _, _ in calls.record("a \(loop(socket))") }
        first.emit("chat")
        second.emit("chat")

        server.onEvent("chat") { socket, _, _ in calls.record("b \(loop(socket))") }
        server.onEvent("other") { socket, _, _ in calls.record("other \(loop(socket))") }
        server.interceptEvents { socket, event, _, _ in
            calls.record("seen \(event) \(loop(socket))")
            return event == "taken"
        }
        first.emit("chat")
        second.emit("other")
        second.emit("taken")

        XCTAssertEqual(calls.values, ["a loop 0", "a loop 1",
                                      "seen chat loop 0", "a loop 0", "b loop 0",
                                      "seen other loop 1", "other loop 1",
                                      "seen taken loop 1"])
    }

    func testBinaryAttachmentsFromTheClientArriveInPlace() throws {
        let (link, socket, _) = try connected()
        let calls = Recorder<[JSONValue]>()
        socket.on("upload") { arguments, _ in calls.record(arguments) }

        link.emit("upload", ["name", .binary([0, 1, 2]), ["inner": .binary([255])]])

        XCTAssertEqual(calls.values, [["name", .binary([0, 1, 2]), ["inner": .binary([255])]]])
    }

    func testEmitSendsAnEventWithItsArguments() throws {
        let (link, socket, _) = try connected()

        socket.emit("greeting", "hi", 1)

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .event, data: ["greeting", "hi", 1])])
    }

    func testEmitWithBinarySendsAttachmentsAfterTheText() throws {
        let (link, socket, _) = try connected()

        socket.emit("file", [.binary([9, 8, 7]), "caption"])

        XCTAssertEqual(link.sent.dropFirst().map(\.packet.isBinary), [false, true], "after the CONNECT answer: text, then the attachment")
        XCTAssertEqual(link.sent.last?.packet.payload, [9, 8, 7])
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .binaryEvent, data: ["file", .binary([9, 8, 7]), "caption"])])
    }

    func testEmitOnANamedNamespaceCarriesItsName() throws {
        let (server, loops) = makeSocketServer()
        _ = server.of("/admin")
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket("/admin"))

        socket.emit("x")

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .event, namespace: "/admin", data: ["x"])])
    }

    func testVolatileEmitMarksThePacketDroppable() throws {
        let (link, socket, _) = try connected()

        socket.volatile.emit("tick", 1)
        socket.emit("tock", 2)

        XCTAssertEqual(link.sent.dropFirst().map(\.isVolatile), [true, false])
    }

    func testOnceRunsOnceAndOffRemovesHandlers() throws {
        let (link, socket, _) = try connected()
        let calls = Recorder<String>()
        socket.once("a") { _, _ in calls.record("once") }
        let token = socket.on("a") { _, _ in calls.record("kept") }
        socket.on("a") { _, _ in calls.record("other") }

        link.emit("a")
        socket.off("a", token)
        link.emit("a")
        socket.off("a")
        link.emit("a")

        XCTAssertEqual(calls.values, ["once", "kept", "other", "other"])
    }

    func testOnAnySeesEveryEventBeforeItsHandlers() throws {
        let (link, socket, _) = try connected()
        let calls = Recorder<String>()
        let token = socket.onAny { name, arguments in calls.record("any \(name) \(arguments.count)") }
        socket.on("a") { _, _ in calls.record("a") }

        link.emit("a", [1, 2])
        link.emit("b")
        socket.offAny(token)
        link.emit("a")

        XCTAssertEqual(calls.values, ["any a 2", "a", "any b 0", "a"])
    }

    func testTypedHandlerDecodesTheFirstArgumentAndSkipsOtherShapes() throws {
        struct Move: Decodable, Equatable { let x: Int; let y: Int }
        let (link, socket, _) = try connected()
        let moves = Recorder<Move>()
        socket.on("move", as: Move.self) { move, _ in moves.record(move) }

        link.emit("move", [["x": 1, "y": 2]])
        link.emit("move", ["not an object"])
        link.emit("move")

        XCTAssertEqual(moves.values, [Move(x: 1, y: 2)])
    }

    func testEmitEncodingSendsTheValueAsOneArgument() throws {
        struct Score: Encodable { let player: String; let points: Int }
        let (link, socket, _) = try connected()

        try socket.emit("score", encoding: Score(player: "ann", points: 3))

        XCTAssertEqual(link.takeEvents().first?.arguments, [["player": "ann", "points": 3]])
    }

    func testScheduleRunsOnTheSocketsLoopWhenTheClockSaysSo() throws {
        let (_, socket, loop) = try connected()
        let fired = Recorder<Int64>()
        socket.schedule(after: 500) { fired.record(loop.now) }
        let cancelled = socket.schedule(after: 100) { fired.record(-1) }
        cancelled.cancel()

        loop.advance(by: 499)
        XCTAssertTrue(fired.values.isEmpty)
        loop.advance(by: 1)
        XCTAssertEqual(fired.values, [500])
    }

    func testCountersComeFromTheEngineSession() throws {
        let (link, socket, _) = try connected()
        link.counters.messagesIn = 3
        XCTAssertEqual(socket.counters.messagesIn, 3)
    }

    func testInterceptorsTakeEventsBeforeHandlers() throws {
        let (server, loops) = makeSocketServer()
        let seen = Recorder<String>()
        server.interceptEvents { _, event, arguments, ack in
            guard event.hasPrefix("pushd:") else { return false }
            seen.record("intercepted \(event) \(arguments.count)")
            ack?.send(["ok"])
            return true
        }
        server.onConnection { socket in
            socket.onAny { event, _ in seen.record("any \(event)") }
            socket.on("pushd:join") { _, _ in seen.record("handler pushd:join") }
            socket.on("chat") { _, _ in seen.record("handler chat") }
        }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        _ = try XCTUnwrap(link.connectSocket())

        link.emit("pushd:join", ["room"], ackId: 7)
        link.emit("chat", ["hi"])

        XCTAssertEqual(seen.values, ["intercepted pushd:join 1", "any chat", "handler chat"])
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: ["ok"], ackId: 7)])
    }
}

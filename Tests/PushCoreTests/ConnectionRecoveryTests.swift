import Synchronization
import XCTest
@testable import PushCore

/// Connection state recovery through the socket layer, with manual loops and clock: the pid in
/// CONNECT, offsets on events, a socket coming back with its id, rooms and data and every event
/// it missed once and in order, the order kept when events are still queued on the loop, and
/// what is never replayed.
final class ConnectionRecoveryTests: XCTestCase {
    final class Clock: Sendable {
        let now = Atomic<Int64>(0)
        func advance(_ milliseconds: Int64) { now.add(milliseconds, ordering: .relaxed) }
    }

    private func makeServer(loops: Int = 1, skipMiddleware: Bool = true, clock: Clock = Clock())
        -> (SocketServer, [ManualExecutor]) {
        var configuration = SocketServerConfiguration()
        configuration.recovery.window = 10_000
        configuration.recovery.skipMiddleware = skipMiddleware
        let executors = (0..<loops).map { ManualExecutor(index: $0) }
        let server = SocketServer(configuration: configuration, executors: executors,
                                  clock: { clock.now.load(ordering: .relaxed) })
        return (server, executors)
    }

    /// Connects and returns the socket and its CONNECT answer's data.
    private func connect(_ link: InMemoryEngineLink, auth: JSONValue? = nil) throws -> (Socket, JSONValue) {
        link.connect("/", auth: auth)
        let answer = try XCTUnwrap(link.takePackets().first { $0.type == .connect })
        let sid = try XCTUnwrap(answer.data?["sid"]?.stringValue)
        let socket = try XCTUnwrap(link.server.of("/").loops[link.manualExecutor.index].sockets[sid])
        return (socket, answer.data!)
    }

    /// (event name, arguments without the offset, offset) of each event sent since the last take.
    private func events(_ link: InMemoryEngineLink) -> [(String, [JSONValue], String?)] {
        link.takeEvents().map { event in
            guard let last = event.arguments.last?.stringValue, RecoveryOffset(last) != nil else {
                return (event.name, event.arguments, nil)
            }
            return (event.name, Array(event.arguments.dropLast()), last)
        }
    }

    func testConnectCarriesAPrivateIDAndEventsCarryOffsets() throws {
        let (server, loops) = makeServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, answer) = try connect(link)
        let pid = try XCTUnwrap(answer["pid"]?.stringValue)
        XCTAssertEqual(socket.pid, pid)
        XCTAssertNotEqual(pid, socket.id)
        XCTAssertFalse(socket.recovered)

        socket.emit("one", 1)
        server.emit("two", 2)
        let sent = events(link)
        XCTAssertEqual(sent.map(\.0), ["one", "two"])
        XCTAssertEqual(sent.map(\.1), [[1], [2]])
        let offsets = sent.compactMap(\.2)
        XCTAssertEqual(offsets.count, 2)
        XCTAssertLessThan(RecoveryOffset(offsets[0])!.sequence, RecoveryOffset(offsets[1])!.sequence)
    }

    func testVolatileAndAckedEmitsCarryNoOffset() throws {
        let (server, loops) = makeServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, _) = try connect(link)
        socket.volatile.emit("v", 1)
        server.volatile.emit("vb", 2)
        socket.emit("asks", [3], timeout: 1_000) { _ in }
        let sent = link.takePackets()
        XCTAssertEqual(sent.map { $0.data }, [["v", 1], ["vb", 2], ["asks", 3]])
        XCTAssertEqual(server.recovery?.withStore(\.lastSequence), 0, "nothing logged")
    }

    func testRecoversIDRoomsDataAndMissedEventsInOrder() throws {
        let (server, loops) = makeServer()
        let recovered = Recorder<Bool>()
        server.onConnection { recovered.record($0.recovered) }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, answer) = try connect(link)
        socket.join("r")
        socket.data["colour"] = "blue"
        server.to("r").emit("seen", 0)
        let offset = try XCTUnwrap(events(link).last?.2)

        link.engineClose(reason: .transportClose)
        XCTAssertTrue(socket.isRecoverable)
        server.to("r").emit("missed", 1)
        server.to(socket.id).emit("missed", 2)
        server.to("elsewhere").emit("not mine", 3)
        server.except("r").emit("not mine", 4)
        server.of("/other").emit("not mine", 5)
        server.emit("missed", 6)

        let again = InMemoryEngineLink(server: server, executor: loops[0])
        let pid = try XCTUnwrap(answer["pid"]?.stringValue)
        again.connect("/", auth: ["pid": .string(pid), "offset": .string(offset), "token": "kept"])
        let packets = again.takePackets()
        XCTAssertEqual(packets.first?.type, .connect)
        XCTAssertEqual(packets.first?.data, ["sid": .string(socket.id), "pid": .string(pid)], "same id and pid")
        let restored = try XCTUnwrap(server.of("/").loops[0].sockets[socket.id])
        XCTAssertTrue(restored.recovered)
        XCTAssertEqual(restored.rooms, [socket.id, "r"])
        XCTAssertEqual(restored.data, ["colour": "blue"])
        XCTAssertEqual(restored.handshake.auth, ["token": "kept"], "pid and offset stay out of the handshake")
        XCTAssertEqual(recovered.values, [false, true], "connection handlers run, and see the flag")
        let replayed = packets.dropFirst().compactMap { $0.data?.arrayValue }.map { Array($0.dropLast()) }
        XCTAssertEqual(replayed, [["missed", 1], ["missed", 2], ["missed", 6]])

        server.to("r").emit("live", 7)
        XCTAssertEqual(events(again).map(\.1), [[7]])
        XCTAssertEqual(server.recovery?.counts.recovered, 1)
    }

    func testEventsQueuedOnTheLoopWhenTheSocketComesBackArriveOnce() throws {
        let (server, loops) = makeServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, answer) = try connect(link)
        link.engineClose(reason: .pingTimeout)
        // Broadcasts from another thread: logged, queued on the loop, not delivered yet.
        loops[0].inEventLoop = false
        server.emit("queued", 1)
        server.emit("queued", 2)
        loops[0].inEventLoop = true
        XCTAssertEqual(loops[0].pendingTaskCount, 2)

        let again = InMemoryEngineLink(server: server, executor: loops[0])
        again.connect("/", auth: ["pid": answer["pid"]!])
        XCTAssertTrue(again.takePackets().isEmpty, "the recovery waits its turn behind the queued events")
        loops[0].inEventLoop = false
        server.emit("later", 3)
        loops[0].inEventLoop = true
        loops[0].runPending()
        let packets = again.takePackets()
        XCTAssertEqual(packets.first?.data?["sid"]?.stringValue, socket.id)
        XCTAssertEqual(packets.dropFirst().compactMap { $0.data?.arrayValue }.map { Array($0.dropLast()) },
                       [["queued", 1], ["queued", 2], ["later", 3]], "each once, in order")
    }

    func testAnEmitOnTheLoopWaitsBehindEventsQueuedThere() throws {
        let (server, loops) = makeServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, _) = try connect(link)
        loops[0].inEventLoop = false
        server.emit("first", 1)
        loops[0].inEventLoop = true
        socket.emit("second", 2)
        XCTAssertTrue(link.takePackets().isEmpty)
        loops[0].runPending()
        let sent = events(link)
        XCTAssertEqual(sent.map(\.1), [[1], [2]])
        XCTAssertLessThan(RecoveryOffset(sent[0].2!)!.sequence, RecoveryOffset(sent[1].2!)!.sequence,
                          "delivered in offset order, so a client's last offset splits got from missed")
        socket.emit("third", 3)
        XCTAssertEqual(events(link).map(\.1), [[3]], "nothing queued: at once")
    }

    func testRecoversOnAnotherLoop() throws {
        let (server, loops) = makeServer(loops: 2)
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, answer) = try connect(link)
        socket.join("r")
        link.engineClose(reason: .transportError)
        server.to("r").emit("missed", 1)
        loops.forEach { $0.runPending() }
        let again = InMemoryEngineLink(server: server, executor: loops[1])
        again.connect("/", auth: ["pid": answer["pid"]!])
        loops.forEach { $0.runPending() }
        XCTAssertEqual(again.takePackets().compactMap { $0.data?["sid"]?.stringValue ?? $0.data?[0]?.stringValue }, [socket.id, "missed"])
        XCTAssertNotNil(server.of("/").loops[1].sockets[socket.id])
        server.to("r").emit("live", 2)
        loops.forEach { $0.runPending() }
        XCTAssertEqual(events(again).map(\.0), ["live"])
    }

    func testCleanDisconnectsAndExpiredSessionsAreNotRecovered() throws {
        let clock = Clock()
        let (server, loops) = makeServer(clock: clock)
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (socket, answer) = try connect(link)
        link.disconnect()
        XCTAssertFalse(socket.isRecoverable)
        let again = InMemoryEngineLink(server: server, executor: loops[0])
        let (fresh, freshAnswer) = try connect(again, auth: ["pid": answer["pid"]!])
        XCTAssertNotEqual(fresh.id, socket.id)
        XCTAssertNotEqual(freshAnswer["pid"], answer["pid"], "a fresh pid tells the client it was not recovered")

        again.engineClose(reason: .transportClose)
        clock.advance(10_001)
        let late = InMemoryEngineLink(server: server, executor: loops[0])
        let (third, _) = try connect(late, auth: ["pid": freshAnswer["pid"]!])
        XCTAssertNotEqual(third.id, fresh.id)
        XCTAssertFalse(third.recovered)
        XCTAssertEqual(server.recovery?.counts.failed[.expired], 1)
        XCTAssertEqual(server.recovery?.counts.failed[.unknownSession], 1)
    }

    func testMiddlewareIsSkippedOnRecoveryButChecksThatMustHoldAreNot() throws {
        for skip in [true, false] {
            let (server, loops) = makeServer(skipMiddleware: skip)
            let ran = Recorder<(String, Bool)>()
            server.useOnEveryNamespace(alsoOnRecovery: true) { socket, next in ran.record(("always", socket.recovered)); next(nil) }
            server.use { socket throws(ConnectionRefused) in ran.record(("namespace", socket.recovered)) }
            let link = InMemoryEngineLink(server: server, executor: loops[0])
            let (_, answer) = try connect(link)
            link.engineClose(reason: .transportClose)
            let again = InMemoryEngineLink(server: server, executor: loops[0])
            let (socket, _) = try connect(again, auth: ["pid": answer["pid"]!])
            XCTAssertTrue(socket.recovered)
            let expected = skip ? ["always", "namespace", "always"] : ["always", "namespace", "always", "namespace"]
            XCTAssertEqual(ran.values.map(\.0), expected)
            XCTAssertEqual(ran.values.last?.1, true)
        }
    }

    func testARefusedRecoveryKeepsNothing() throws {
        let (server, loops) = makeServer()
        server.useOnEveryNamespace(alsoOnRecovery: true) { socket, next in
            next(socket.recovered ? ConnectionRefused("token expired") : nil)
        }
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let (_, answer) = try connect(link)
        link.engineClose(reason: .transportClose)
        let again = InMemoryEngineLink(server: server, executor: loops[0])
        again.connect("/", auth: ["pid": answer["pid"]!])
        XCTAssertEqual(again.takePackets().map(\.type), [.connectError])
        XCTAssertTrue(server.of("/").loops[0].sockets.isEmpty)
    }
}

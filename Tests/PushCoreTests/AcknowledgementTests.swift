import XCTest
@testable import PushCore

/// Acknowledgements both ways: the server answering a client's event, and the server waiting
/// (with a timeout on the manual clock) for a client's answer.
final class AcknowledgementTests: XCTestCase {
    private func connected() throws -> (InMemoryEngineLink, Socket, ManualExecutor) {
        let (server, loops) = makeSocketServer()
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        return (link, try XCTUnwrap(link.connectSocket()), loops[0])
    }

    // MARK: Client asks, server answers

    func testHandlerAnswersWithTheEventsAckID() throws {
        let (link, socket, _) = try connected()
        socket.on("add") { arguments, ack in
            ack?(.number(arguments.compactMap(\.doubleValue).reduce(0, +)))
        }

        link.emit("add", [1, 2], ackId: 17)

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: [3], ackId: 17)])
    }

    func testAnswerWithBinaryIsABinaryAck() throws {
        let (link, socket, _) = try connected()
        socket.on("fetch") { _, ack in ack?.send([.binary([1, 2]), "meta"]) }

        link.emit("fetch", ackId: 3)

        XCTAssertEqual(link.sent.map(\.packet.isBinary).suffix(2), [false, true])
        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .binaryAck, data: [.binary([1, 2]), "meta"], ackId: 3)])
    }

    func testAnsweringTwiceSendsOnce() throws {
        let (link, socket, _) = try connected()
        let kept = Recorder<Acknowledgement>()
        socket.on("q") { _, ack in
            guard let ack else { return }
            kept.record(ack)
            ack("first")
        }

        link.emit("q", ackId: 1)
        let ack = try XCTUnwrap(kept.values.first)
        XCTAssertTrue(ack.isSent)
        ack("second")

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: ["first"], ackId: 1)])
    }

    func testAnswerAfterTheSocketDisconnectedSendsNothing() throws {
        let (link, socket, _) = try connected()
        let kept = Recorder<Acknowledgement>()
        socket.on("q") { _, ack in if let ack { kept.record(ack) } }

        link.emit("q", ackId: 5)
        link.disconnect()
        kept.values.first?("too late")

        XCTAssertTrue(link.takePackets().isEmpty)
    }

    func testAnswerFromAnotherThreadIsSentOnTheSocketsLoop() throws {
        let (link, socket, loop) = try connected()
        let kept = Recorder<Acknowledgement>()
        socket.on("slow") { _, ack in if let ack { kept.record(ack) } }
        link.emit("slow", ackId: 9)

        loop.inEventLoop = false
        kept.values.first?("done")
        XCTAssertTrue(link.takePackets().isEmpty, "queued for the loop, not sent from the caller's thread")
        XCTAssertEqual(loop.pendingTaskCount, 1)
        loop.inEventLoop = true
        loop.runPending()

        XCTAssertEqual(link.takePackets(), [SocketPacket(type: .ack, data: ["done"], ackId: 9)])
    }

    // MARK: Server asks, client answers

    func testEmitWithAckGetsTheClientsAnswer() throws {
        let (link, socket, loop) = try connected()
        let results = Recorder<Result<[JSONValue], AckError>>()

        socket.emit("question", ["why"], timeout: 1_000) { results.record($0) }
        let sent = try XCTUnwrap(link.takePackets().first)
        XCTAssertEqual(sent.type, .event)
        XCTAssertEqual(sent.data, ["question", "why"])
        let id = try XCTUnwrap(sent.ackId)
        XCTAssertEqual(loop.activeTimerCount, 1)

        link.ack(id, ["because", .binary([7])])

        XCTAssertEqual(results.values, [.success(["because", .binary([7])])])
        XCTAssertEqual(loop.activeTimerCount, 0, "the answer cancels the timeout")
    }

    func testEachEmitWithAckGetsItsOwnID() throws {
        let (link, socket, _) = try connected()
        let results = Recorder<String>()

        socket.emit("a", [], timeout: 1_000) { results.record("a \((try? $0.get())?.first?.stringValue ?? "-")") }
        socket.emit("b", [], timeout: 1_000) { results.record("b \((try? $0.get())?.first?.stringValue ?? "-")") }
        let ids = link.takePackets().compactMap(\.ackId)
        XCTAssertEqual(ids.count, 2)
        XCTAssertNotEqual(ids[0], ids[1])

        link.ack(ids[1], ["two"])
        link.ack(ids[0], ["one"])

        XCTAssertEqual(results.values, ["b two", "a one"])
    }

    func testTimeoutFiresWhenNoAnswerComesAndALateAnswerIsIgnored() throws {
        let (link, socket, loop) = try connected()
        let results = Recorder<Result<[JSONValue], AckError>>()

        socket.emit("question", [], timeout: 1_000) { results.record($0) }
        let id = try XCTUnwrap(link.takePackets().first?.ackId)

        loop.advance(by: 999)
        XCTAssertTrue(results.values.isEmpty)
        loop.advance(by: 1)
        XCTAssertEqual(results.values, [.failure(.timeout)])

        link.ack(id, ["late"])
        XCTAssertEqual(results.values.count, 1, "a late answer is dropped")
        XCTAssertTrue(socket.isConnected, "a late answer is not a protocol error")
    }

    func testAnswerForAnUnknownIDIsIgnored() throws {
        let (link, socket, _) = try connected()
        link.ack(12345, ["stray"])
        XCTAssertTrue(socket.isConnected)
        XCTAssertFalse(link.isClosed)
    }

    func testDisconnectFailsPendingAcks() throws {
        let (link, socket, loop) = try connected()
        let results = Recorder<AckError>()
        socket.emit("a", [], timeout: 1_000) { if case .failure(let error) = $0 { results.record(error) } }
        socket.emit("b", [], timeout: 5_000) { if case .failure(let error) = $0 { results.record(error) } }

        link.engineClose(reason: .transportClose)

        XCTAssertEqual(results.values, [.disconnected, .disconnected])
        XCTAssertEqual(loop.activeTimerCount, 0, "their timers are cancelled")
        loop.advance(by: 10_000)
        XCTAssertEqual(results.values.count, 2)
    }

    func testEmitWithAckOnADisconnectedSocketFailsAtOnce() throws {
        let (link, socket, loop) = try connected()
        link.disconnect()
        let results = Recorder<AckError>()

        socket.emit("a", [], timeout: 1_000) { if case .failure(let error) = $0 { results.record(error) } }

        XCTAssertEqual(results.values, [.disconnected])
        XCTAssertTrue(link.takePackets().isEmpty)
        XCTAssertEqual(loop.activeTimerCount, 0)
    }
}

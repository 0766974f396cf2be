@testable import PushCore
import XCTest

/// The server API's executor on a Socket.IO server driven in memory (two loops).
final class ServerAPITests: XCTestCase {
    private func run(_ api: ServerAPI, _ method: String, _ body: String, now: Int64 = 0,
                     file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        guard case .success(let command) = ServerAPIDecoder().decode(method: method, body: Array(body.utf8)) else {
            XCTFail("\(method) \(body) did not decode", file: file, line: line)
            return nil
        }
        let answer = Recorder<Result<JSONValue, ServerAPIError>>()
        api.execute(command, now: now) { answer.record($0) }
        XCTAssertEqual(answer.values.count, 1, "one answer", file: file, line: line)
        return try? answer.values.first?.get()
    }

    func testEmitJoinSocketsRoomsAndDisconnect() throws {
        let (server, loops) = makeSocketServer(loops: 2)
        let api = ServerAPI(server: server)
        let links = [InMemoryEngineLink(server: server, executor: loops[0]), InMemoryEngineLink(server: server, executor: loops[1])]
        let sockets = try links.map { try XCTUnwrap($0.connectSocket()) }

        XCTAssertEqual(run(api, "join", #"{"in":["\#(sockets[1].id)"],"rooms":["vip","news"]}"#), ["ok": true])
        XCTAssertEqual(sockets[1].rooms, [sockets[1].id, "vip", "news"])
        XCTAssertEqual(run(api, "emit", #"{"event":"e","to":["vip"],"args":[1,{"$binary":"AQI="}]}"#), ["ok": true])
        XCTAssertTrue(links[0].takeEvents().isEmpty)
        let events = links[1].takeEvents()
        XCTAssertEqual(events.map(\.name), ["e"])
        XCTAssertEqual(events.first?.arguments, [1, .binary([1, 2])])

        let listed = try XCTUnwrap(run(api, "sockets", #"{"in":["vip"]}"#)?["sockets"]?.arrayValue)
        XCTAssertEqual(listed.map { $0["id"]?.stringValue }, [sockets[1].id])
        XCTAssertEqual(listed.first?["rooms"], ["news", "vip"])
        XCTAssertEqual(run(api, "rooms", "{}"), ["rooms": ["news": 1, "vip": 1]])

        XCTAssertEqual(run(api, "disconnect", #"{"in":["vip"]}"#), ["ok": true])
        XCTAssertFalse(sockets[1].isConnected)
        XCTAssertTrue(sockets[0].isConnected)
    }

    func testVolatileExceptAndIdempotency() throws {
        let (server, loops) = makeSocketServer()
        let api = ServerAPI(server: server, idempotency: IdempotencyWindow(window: 1_000))
        let links = (0..<2).map { _ in InMemoryEngineLink(server: server, executor: loops[0]) }
        let sockets = try links.map { try XCTUnwrap($0.connectSocket()) }

        XCTAssertEqual(run(api, "emit", #"{"event":"v","volatile":true,"except":["\#(sockets[0].id)"]}"#), ["ok": true])
        XCTAssertTrue(links[0].takeEvents().isEmpty)
        XCTAssertEqual(links[1].takeEvents().map(\.name), ["v"])
        XCTAssertEqual(links[1].sent.last?.isVolatile, true)

        let body = #"{"event":"once","idempotencyKey":"k"}"#
        XCTAssertEqual(run(api, "emit", body, now: 0), ["ok": true])
        XCTAssertEqual(run(api, "emit", body, now: 500), ["ok": true, "duplicate": true])
        XCTAssertEqual(run(api, "emit", body, now: 1_000), ["ok": true], "after the window")
        XCTAssertEqual(links[0].takeEvents().map(\.name), ["once", "once"])
    }

    func testBatchAnswersInOrderWithErrorsInPlace() throws {
        let (server, loops) = makeSocketServer()
        let api = ServerAPI(server: server)
        let link = InMemoryEngineLink(server: server, executor: loops[0])
        let socket = try XCTUnwrap(link.connectSocket())
        let body = #"{"commands":[{"method":"join","in":"\#(socket.id)","rooms":"r"},{"method":"rooms"},{"method":"emit","to":"r","event":"x"}]}"#
        XCTAssertEqual(run(api, "batch", body), ["results": [["ok": true], ["rooms": ["r": 1]], ["ok": true]]])
        XCTAssertEqual(link.takeEvents().map(\.name), ["x"])
    }
}

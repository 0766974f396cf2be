import XCTest
@testable import PushCore

/// Rooms and the broadcast operator through the in-memory adapter, with sockets on two loops:
/// each chosen socket hears a broadcast exactly once, and nobody else does.
final class RoomsTests: XCTestCase {
    /// Four sessions on "/", two per loop: a (loop 0, rooms red+blue), b (loop 0, red),
    /// c (loop 1, blue), d (loop 1, none).
    private struct Crowd {
        let server: SocketServer
        let loops: [ManualExecutor]
        let links: [String: InMemoryEngineLink]
        let sockets: [String: Socket]

        /// Who heard `event` since the last call, one entry per delivery.
        func heard(_ event: String) -> [String] {
            links.keys.sorted().flatMap { name in
                links[name]!.takeEvents().filter { $0.name == event }.map { _ in name }
            }
        }
    }

    private func crowd() throws -> Crowd {
        let (server, loops) = makeSocketServer(loops: 2)
        var links: [String: InMemoryEngineLink] = [:]
        var sockets: [String: Socket] = [:]
        for (name, loop, rooms) in [("a", 0, ["red", "blue"]), ("b", 0, ["red"]), ("c", 1, ["blue"]), ("d", 1, [])] {
            let link = InMemoryEngineLink(server: server, executor: loops[loop])
            let socket = try XCTUnwrap(link.connectSocket())
            for room in rooms { socket.join(room) }
            links[name] = link
            sockets[name] = socket
        }
        return Crowd(server: server, loops: loops, links: links, sockets: sockets)
    }

    func testJoinAndLeaveChangeTheSocketsRooms() throws {
        let crowd = try crowd()
        let a = crowd.sockets["a"]!
        XCTAssertEqual(a.rooms, [a.id, "red", "blue"])

        a.leave("red")
        a.leave("never joined")

        XCTAssertEqual(a.rooms, [a.id, "blue"])
        XCTAssertEqual(crowd.server.sockets.loops[0].rooms["red"], [crowd.sockets["b"]!.id])
    }

    func testASocketsOwnRoomReachesItUntilItLeavesItWithNoSetKeptPerSocket() throws {
        let crowd = try crowd()
        let d = crowd.sockets["d"]!
        XCTAssertNil(crowd.server.sockets.loops[1].rooms[d.id], "the own room is implied by the socket table")
        crowd.sockets["b"]!.join(d.id)

        crowd.server.to(d.id).emit("e")
        XCTAssertEqual(crowd.heard("e"), ["b", "d"], "the socket itself and one that joined its id by name")
        crowd.server.except(d.id).emit("f")
        XCTAssertEqual(crowd.heard("f"), ["a", "c"])

        d.leave(d.id)
        crowd.server.to(d.id).emit("g")
        XCTAssertEqual(crowd.heard("g"), ["b"], "a socket that left its own room hears it no more")
        d.join(d.id)
        crowd.server.to(d.id).emit("h")
        XCTAssertEqual(crowd.heard("h"), ["b", "d"])
    }

    func testEmitToARoomReachesItsMembersOnEveryLoop() throws {
        let crowd = try crowd()
        crowd.server.to("blue").emit("e", 1)
        XCTAssertEqual(crowd.heard("e"), ["a", "c"])
    }

    func testEmitToSeveralRoomsReachesTheUnionOnce() throws {
        let crowd = try crowd()
        crowd.server.to("red").to("blue").emit("e")
        XCTAssertEqual(crowd.heard("e"), ["a", "b", "c"], "a is in both rooms and hears it once")
    }

    func testInIsTo() throws {
        let crowd = try crowd()
        crowd.server.in("red").emit("e")
        XCTAssertEqual(crowd.heard("e"), ["a", "b"])
    }

    func testExceptLeavesOutARoomsMembers() throws {
        let crowd = try crowd()
        crowd.server.except("red").emit("e")
        XCTAssertEqual(crowd.heard("e"), ["c", "d"])
        crowd.server.to("blue").except("red").emit("f")
        XCTAssertEqual(crowd.heard("f"), ["c"])
    }

    func testExceptASocketIDLeavesOutThatSocket() throws {
        let crowd = try crowd()
        crowd.server.except(crowd.sockets["d"]!.id).emit("e")
        XCTAssertEqual(crowd.heard("e"), ["a", "b", "c"])
    }

    func testSocketBroadcastReachesEveryoneButTheSender() throws {
        let crowd = try crowd()
        crowd.sockets["a"]!.broadcast.emit("e")
        XCTAssertEqual(crowd.heard("e"), ["b", "c", "d"])
        crowd.sockets["c"]!.to("blue").emit("f")
        XCTAssertEqual(crowd.heard("f"), ["a"])
        crowd.sockets["a"]!.in("red").emit("g")
        XCTAssertEqual(crowd.heard("g"), ["b"])
    }

    func testEmitToAnEmptyRoomReachesNobody() throws {
        let crowd = try crowd()
        crowd.server.to("green").emit("e")
        XCTAssertEqual(crowd.heard("e"), [])
    }

    func testSessionsThatCloseAsABroadcastReachesThemLeaveTheOthersTheirCopy() throws {
        // Three sockets on one loop; two close as the broadcast reaches them (as a slow
        // consumer's session does on a send), whatever order the walk takes.
        let (server, loops) = makeSocketServer()
        let links = (0..<3).map { _ in InMemoryEngineLink(server: server, executor: loops[0]) }
        for link in links { try XCTUnwrap(link.connectSocket()).join("red") }
        for link in links.prefix(2) {
            link.onSend = { [unowned link] packet in
                if !packet.isVolatile { link.engineClose(reason: .transportClose) }
            }
        }

        server.to("red").emit("e")
        server.emit("f")

        XCTAssertEqual(links.map { $0.takeEvents().map(\.name) }, [["e"], ["e"], ["e", "f"]])
        XCTAssertEqual(server.sockets.loops[0].rooms["red"]?.count, 1)
        XCTAssertEqual(server.sockets.loops[0].sockets.count, 1)
    }

    func testVolatileBroadcastMarksThePacketsDroppable() throws {
        let crowd = try crowd()
        crowd.server.volatile.to("red").emit("e")
        crowd.server.to("red").emit("f")
        for name in ["a", "b"] {
            XCTAssertEqual(crowd.links[name]!.sent.suffix(2).map(\.isVolatile), [true, false])
        }
    }

    func testABroadcastIsEncodedOncePerLoopAndShared() throws {
        let crowd = try crowd()
        crowd.server.emit("file", .binary([1, 2, 3]))
        let a = crowd.links["a"]!.sent.suffix(2), b = crowd.links["b"]!.sent.suffix(2)
        let c = crowd.links["c"]!.sent.suffix(2)
        XCTAssertTrue(zip(a, b).allSatisfy { $0 === $1 }, "recipients on one loop share the packets")
        XCTAssertFalse(zip(a, c).contains { $0 === $1 }, "each loop has its own packets")
        XCTAssertEqual(crowd.links["d"]!.takeEvents().last?.arguments, [.binary([1, 2, 3])])
    }

    func testBroadcastFromAnotherThreadRunsOnEachLoop() throws {
        let crowd = try crowd()
        for loop in crowd.loops { loop.inEventLoop = false }
        crowd.server.to("blue").emit("e")
        XCTAssertEqual(crowd.heard("e"), [])
        for loop in crowd.loops {
            XCTAssertEqual(loop.pendingTaskCount, 1, "one task per loop, not per socket")
            loop.inEventLoop = true
            loop.runPending()
        }
        XCTAssertEqual(crowd.heard("e"), ["a", "c"])
    }

    func testRoomsBelongToTheirNamespace() throws {
        let crowd = try crowd()
        _ = crowd.server.of("/other")
        let link = InMemoryEngineLink(server: crowd.server, executor: crowd.loops[0])
        let other = try XCTUnwrap(link.connectSocket("/other"))
        other.join("red")

        crowd.server.to("red").emit("main")
        crowd.server.of("/other").to("red").emit("other")

        XCTAssertEqual(crowd.heard("main"), ["a", "b"])
        XCTAssertEqual(link.takeEvents().map(\.name), ["other"])
    }

    func testJoinBeforeConnectingOrAfterDisconnectingIsIgnored() throws {
        let crowd = try crowd()
        let b = crowd.sockets["b"]!
        crowd.links["b"]!.disconnect()
        b.join("late")
        XCTAssertTrue(b.rooms.isEmpty)
        XCTAssertNil(crowd.server.sockets.loops[0].rooms["late"])
    }

    func testDisconnectingLeavesEveryRoom() throws {
        let crowd = try crowd()
        crowd.links["a"]!.engineClose(reason: .transportClose)
        crowd.links["b"]!.engineClose(reason: .transportClose)

        XCTAssertNil(crowd.server.sockets.loops[0].rooms["red"], "an empty room is removed")
        XCTAssertEqual(crowd.server.sockets.loops[1].rooms["blue"], [crowd.sockets["c"]!.id])
        crowd.server.to("red").emit("e")
        XCTAssertEqual(crowd.heard("e"), [])
    }
}

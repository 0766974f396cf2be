import Synchronization
import XCTest
@testable import PushCore

/// Recovery through the socket layer in cluster mode, with a manual loop: a dropped socket's
/// snapshot goes to the shared store, the CONNECT that presents its pid waits for the store's
/// answer, and the socket comes back with its id, rooms and data and what it missed, once.
final class ClusterConnectionRecoveryTests: XCTestCase {
    /// Snapshots shared in memory (Redis in pushd), answering `take` later, as Redis does.
    final class SharedSnapshots: RecoverySnapshotStore, @unchecked Sendable {
        let kept = Mutex<[String: RecoverySnapshot]>([:])
        let answers = Mutex<[@Sendable () -> Void]>([])
        func keep(_ snapshot: RecoverySnapshot, dropped: Bool) { kept.withLock { $0[snapshot.pid] = snapshot } }
        func forget(pid: String) { kept.withLock { $0[pid] = nil } }
        func take(pid: String, completion: @escaping @Sendable (RecoverySnapshot?) -> Void) {
            let snapshot = kept.withLock { $0.removeValue(forKey: pid) }
            answers.withLock { $0.append { completion(snapshot) } }
        }
        func answer() { for reply in answers.withLock({ list in defer { list = [] }; return list }) { reply() } }
    }

    private func makeServer() -> (SocketServer, ManualExecutor, SharedSnapshots) {
        var configuration = SocketServerConfiguration()
        configuration.recovery.window = 10_000
        let loop = ManualExecutor(index: 0)
        let server = SocketServer(configuration: configuration, executors: [loop], clock: { 0 })
        let shared = SharedSnapshots()
        server.recovery!.keepSnapshots(in: shared)
        return (server, loop, shared)
    }

    func testASocketComesBackThroughTheSharedSnapshotOnce() throws {
        let (server, loop, shared) = makeServer()
        let link = InMemoryEngineLink(server: server, executor: loop)
        link.connect("/", auth: nil)
        let answer = try XCTUnwrap(link.takePackets().first { $0.type == .connect }?.data)
        let sid = try XCTUnwrap(answer["sid"]?.stringValue), pid = try XCTUnwrap(answer["pid"]?.stringValue)
        let socket = try XCTUnwrap(server.of("/").loops[0].sockets[sid])
        socket.join("r")
        socket.data["colour"] = "blue"
        server.to("r").emit("seen", 0)
        let offset = try XCTUnwrap(link.takeEvents().last?.arguments.last?.stringValue)
        XCTAssertNotNil(RecoveryVector(offset: offset), "offsets carry the senders' numbers")

        link.engineClose(reason: .transportClose)
        XCTAssertEqual(shared.kept.withLock { $0[pid]?.rooms }, [sid, "r"], "the dropped socket is shared")
        server.to("r").emit("missed", 1)
        server.to("elsewhere").emit("not mine", 2)

        let again = InMemoryEngineLink(server: server, executor: loop)
        again.connect("/", auth: ["pid": .string(pid), "offset": .string(offset)])
        XCTAssertEqual(again.takePackets().count, 0, "waits for the shared store")
        again.connect("/", auth: ["pid": .string(pid), "offset": .string(offset)])   // a second CONNECT meanwhile
        shared.answer()
        loop.runPending()
        let packets = again.takePackets()
        XCTAssertEqual(packets.filter { $0.type == .connect }.count, 1, "one socket")
        XCTAssertEqual(packets.first?.data, ["sid": .string(sid), "pid": .string(pid)], "same id and pid")
        XCTAssertEqual(packets.dropFirst().compactMap { $0.data?.arrayValue }.map { Array($0.dropLast()) }, [["missed", 1]])
        let restored = try XCTUnwrap(server.of("/").loops[0].sockets[sid])
        XCTAssertTrue(restored.recovered)
        XCTAssertEqual(restored.data, ["colour": "blue"])

        // Taken: the same pid again connects afresh.
        let third = InMemoryEngineLink(server: server, executor: loop)
        third.connect("/", auth: ["pid": .string(pid), "offset": .string(offset)])
        shared.answer()
        loop.runPending()
        XCTAssertNotEqual(third.takePackets().first?.data?["sid"]?.stringValue, sid)
        XCTAssertEqual(server.recovery?.counts.failed[.unknownSession], 1)
    }
}

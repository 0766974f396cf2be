import XCTest
@testable import PushCore

/// Cluster recovery without I/O: two nodes' logs that hear the same events in different orders,
/// offsets that carry origin numbers, and a client coming back to the other node: what it missed
/// is chosen from that node's log, each event once; a log that lost or dropped something the
/// client may have missed refuses.
final class ClusterRecoveryStoreTests: XCTestCase {
    private func makeStore(_ tag: String, maxStoreBytes: Int = 64 << 20, maxBytesPerSocket: Int = 1 << 20) -> InMemoryRecoveryStore {
        var configuration = RecoveryConfiguration()
        configuration.window = 10_000
        configuration.maxStoreBytes = maxStoreBytes
        configuration.maxBytesPerSocket = maxBytesPerSocket
        let store = InMemoryRecoveryStore(tag: tag, configuration: configuration)
        store.clustered = true
        return store
    }

    /// Logs an event; returns the entry and the offset it carries.
    @discardableResult
    private func log(_ store: InMemoryRecoveryStore, _ text: String, origin: (String, UInt64)? = nil, rooms: Set<String> = [],
                     now: Int64 = 0) -> (entry: RecoveryLogEntry, offset: String) {
        var offset = ""
        let (entry, _) = store.append(namespace: "/", rooms: rooms, except: [], origin: origin, messages: {
            offset = $0
            return [.message(text: text)]
        }, now: now)
        return (entry, offset)
    }

    private func snapshot(rooms: Set<String> = ["s"], connectedAt: RecoveryVector = RecoveryVector()) -> RecoverySnapshot {
        RecoverySnapshot(pid: "p", socketID: "s", namespace: "/", rooms: rooms, data: [:], disconnectedAt: 0,
                         connectedAtSequence: 0, connectedAt: connectedAt)
    }

    private func texts(_ result: Result<RecoveredSession, RecoveryFailure>) throws -> [String] {
        try result.get().missed.map { $0.map(\.text).joined() }
    }

    func testVectorTextRoundTripsAndBadTextIsRefused() {
        let vector = RecoveryVector(["b": 36, "a": 1])
        XCTAssertEqual(vector.text, "a.1,b.10")
        XCTAssertEqual(RecoveryVector(text: "a.1,b.10"), vector)
        XCTAssertEqual(RecoveryVector(offset: "T:5~a.1,b.10"), vector)
        XCTAssertEqual(RecoveryOffset("T:5~a.1,b.10"), RecoveryOffset(tag: "T", sequence: 5), "the log's own part still reads")
        XCTAssertEqual(RecoveryVector(text: ""), RecoveryVector())
        for bad in ["a", "a.", ".1", "a.1,a.2", "a.01", "a.-1", "a.1,,b.2", "a.zzzzzzzzzzzzzzzz"] {
            XCTAssertNil(RecoveryVector(text: Substring(bad)), bad)
        }
        XCTAssertNil(RecoveryVector(offset: "T:5"), "no vector")
        let many = (0...RecoveryVector.maxOrigins).map { "o\($0).1" }.joined(separator: ",")
        XCTAssertNil(RecoveryVector(text: Substring(many)), "bounded")
        XCTAssertNil(RecoveryVector(offset: "T:1~" + String(repeating: "a", count: 100_000)), "read no further than a bound")
    }

    func testOffsetsCarryTheLogsVector() {
        let a = makeStore("A")
        XCTAssertEqual(log(a, "1").offset, "A:1~A.1")
        XCTAssertEqual(log(a, "2", origin: ("B", 1)).offset, "A:2~A.1,B.1")
        let unclustered = InMemoryRecoveryStore(tag: "U", configuration: a.configuration)
        XCTAssertEqual(log(unclustered, "1").offset, "U:1", "a single node's offsets are unchanged")
    }

    /// A and B hear A's and B's events in different orders; a client that read A's log up to an
    /// offset gets from B's log exactly the events after it, once each.
    func testAnotherNodeReplaysExactlyWhatTheClientMissed() throws {
        let a = makeStore("A"), b = makeStore("B")
        // A's log: a1 b1 a2 | b2 a3 b3 (the client read up to a2)
        // B's log: b1 a1 b2 a2 b3 a3
        let a1 = log(a, "a1").entry
        let b1 = log(b, "b1").entry
        log(b, "a1", origin: (a1.origin, a1.originSequence))
        log(a, "b1", origin: (b1.origin, b1.originSequence))
        let b2 = log(b, "b2").entry
        let a2 = log(a, "a2")
        log(b, "a2", origin: (a2.entry.origin, a2.entry.originSequence))
        log(a, "b2", origin: (b2.origin, b2.originSequence))
        let b3 = log(b, "b3").entry
        let a3 = log(a, "a3").entry
        log(b, "a3", origin: (a3.origin, a3.originSequence))
        log(a, "b3", origin: (b3.origin, b3.originSequence))
        XCTAssertEqual(try texts(b.missed(snapshot(), offset: a2.offset, now: 0)), ["b2", "b3", "a3"])
        XCTAssertEqual(try texts(a.missed(snapshot(), offset: a2.offset, now: 0)), ["b2", "a3", "b3"], "the same set on its own node")
        // Connected after b1: without an offset, everything since.
        let connected = a.vector(at: a1.sequence + 1)
        XCTAssertEqual(connected, RecoveryVector(["A": 1, "B": 1]))
        XCTAssertEqual(try texts(b.missed(snapshot(connectedAt: connected), offset: nil, now: 0)), ["b2", "a2", "b3", "a3"])
    }

    func testRoomsAreTheSnapshotsAndTheByteCapHolds() throws {
        let b = makeStore("B", maxBytesPerSocket: 300)
        log(b, "mine", rooms: ["r"])
        log(b, "not", rooms: ["x"])
        XCTAssertEqual(try texts(b.missed(snapshot(rooms: ["s", "r"]), offset: "A:1~", now: 0)), ["mine"])
        for _ in 0..<5 { log(b, String(repeating: "x", count: 100), rooms: ["r"]) }
        XCTAssertEqual(b.missed(snapshot(rooms: ["r"]), offset: "A:1~", now: 0).failureValue, .tooManyMissedBytes)
    }

    func testEventsLostBetweenNodesOrDroppedRefuseOlderOffsets() {
        let b = makeStore("B")
        log(b, "a1", origin: ("A", 1))
        log(b, "a3", origin: ("A", 3))   // A's 2nd never arrived (Redis down)
        XCTAssertEqual(b.missed(snapshot(), offset: "A:1~A.1", now: 0).failureValue, .offsetUnavailable)
        XCTAssertNotNil(try? b.missed(snapshot(), offset: "A:3~A.2", now: 0).get(), "after the gap is fine")

        let small = makeStore("C", maxStoreBytes: 1_000)
        for n in 1...20 { log(small, String(repeating: "y", count: 100), origin: ("A", UInt64(n))) }
        XCTAssertEqual(small.missed(snapshot(), offset: "A:1~A.1", now: 0).failureValue, .offsetUnavailable, "dropped by the cap")
        XCTAssertNotNil(try? small.missed(snapshot(), offset: "A:20~A.19", now: 0).get())
        XCTAssertEqual(small.missed(snapshot(), offset: "A:1~bad", now: 0).failureValue, .offsetUnavailable)
    }

    /// A node up for less than a window never heard the senders the client knew: they may have
    /// sent it something before this node was there.
    func testAYoungNodeRefusesSendersItNeverHeard() {
        let b = makeStore("B")
        b.startedAt = 1_000
        log(b, "c1", origin: ("C", 1), now: 1_000)
        XCTAssertEqual(b.missed(snapshot(), offset: "A:9~A.9,C.0", now: 2_000).failureValue, .offsetUnavailable)
        XCTAssertNotNil(try? b.missed(snapshot(), offset: "C:1~C.0", now: 2_000).get(), "senders it heard from the start")
        log(b, "c2", origin: ("C", 2), now: 12_000)
        XCTAssertEqual(try texts(b.missed(snapshot(), offset: "A:9~A.9,C.1", now: 12_000)), ["c2"], "a window later it knows")
    }

    func testSnapshotsRoundTripThroughTheirSharedForm() throws {
        let original = RecoverySnapshot(pid: "p", socketID: "s", namespace: "/chat", rooms: ["s", "r"], data: ["k": .array([1, "v"])],
                                        disconnectedAt: 5, connectedAtSequence: 3, connectedAt: RecoveryVector(["A": 4]))
        let bytes = RecoverySnapshotCodec.encode(original, owner: "node1", dropped: true)
        XCTAssertTrue(bytes.starts(with: Array("node1\n".utf8)))
        let record = try XCTUnwrap(RecoverySnapshotCodec.decode(bytes, now: 9))
        XCTAssertEqual(record.owner, "node1")
        XCTAssertTrue(record.dropped)
        XCTAssertEqual(record.snapshot.socketID, "s")
        XCTAssertEqual(record.snapshot.namespace, "/chat")
        XCTAssertEqual(record.snapshot.rooms, ["s", "r"])
        XCTAssertEqual(record.snapshot.data, ["k": .array([1, "v"])])
        XCTAssertEqual(record.snapshot.connectedAt, RecoveryVector(["A": 4]))
        XCTAssertNil(RecoverySnapshotCodec.decode(Array("node1\n{\"pid\":1}".utf8), now: 0))
        XCTAssertNil(RecoverySnapshotCodec.decode(Array("garbage".utf8), now: 0))
    }
}

private extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

import XCTest
@testable import PushCore

/// The in-memory recovery store with a manual clock: the offset log, which logged events a
/// socket missed (by namespace, rooms and exceptions), expiry, and the byte caps.
final class InMemoryRecoveryStoreTests: XCTestCase {
    private func makeStore(window: Int64 = 10_000, maxBytesPerSocket: Int = 1 << 20, maxStoreBytes: Int = 64 << 20)
        -> InMemoryRecoveryStore {
        var configuration = RecoveryConfiguration()
        configuration.window = window
        configuration.maxBytesPerSocket = maxBytesPerSocket
        configuration.maxStoreBytes = maxStoreBytes
        return InMemoryRecoveryStore(tag: "T", configuration: configuration)
    }

    @discardableResult
    private func log(_ store: InMemoryRecoveryStore, _ text: String, namespace: String = "/", rooms: Set<String> = [],
                     except: Set<String> = [], now: Int64 = 0) -> UInt64 {
        store.append(namespace: namespace, rooms: rooms, except: except, origin: nil,
                     messages: { _ in [.message(text: text)] }, now: now).entry.sequence
    }

    private func snapshot(_ pid: String = "p", rooms: Set<String> = ["s"], namespace: String = "/", at time: Int64 = 0,
                          connectedAt: UInt64 = 0) -> RecoverySnapshot {
        RecoverySnapshot(pid: pid, socketID: "s", namespace: namespace, rooms: rooms, data: ["k": "v"],
                         disconnectedAt: time, connectedAtSequence: connectedAt)
    }

    private func missedTexts(_ result: Result<RecoveredSession, RecoveryFailure>) throws -> [String] {
        try result.get().missed.map { $0.map(\.text).joined() }
    }

    func testSequencesIncreaseAndOffsetsRoundTrip() {
        let store = makeStore()
        XCTAssertEqual(log(store, "a"), 1)
        XCTAssertEqual(log(store, "b"), 2)
        XCTAssertEqual(store.lastSequence, 2)
        let offset = RecoveryOffset(tag: "T", sequence: 1_000)
        XCTAssertEqual(offset.text, "T:rs")
        XCTAssertEqual(RecoveryOffset("T:rs"), offset)
        XCTAssertEqual(RecoveryOffset("a:b:1")?.tag, "a:b")
        for bad in ["", "T", "T:", ":1", "T:-1", "T:01", "T:1 ", "T:zzzzzzzzzzzzzzzzzzzzzzzzz"] {
            XCTAssertNil(RecoveryOffset(bad), bad)
        }
    }

    func testOffsetIsSplicedIntoTheEncodedEvent() {
        let wire = SocketWire(SocketPacket(type: .event, namespace: "/chat", data: ["news", 1, ["a": .binary([1, 2])]]))
        let spliced = wire.withOffset("T:5")
        XCTAssertEqual(spliced.messages[0].text, #"51-/chat,["news",1,{"a":{"_placeholder":true,"num":0}},"T:5"]"#)
        XCTAssertEqual(spliced.messages[1], wire.messages[1], "attachments are shared as they are")
        XCTAssertEqual(SocketWire(SocketPacket(type: .event, data: ["e"])).withOffset("T:1").messages[0].text, #"2["e","T:1"]"#)
    }

    func testReplaysWhatTheSocketsRoomsGotAfterItsOffsetInOrder() throws {
        let store = makeStore()
        log(store, "before", rooms: ["r"])                       // 1: the client got it
        store.save(snapshot(rooms: ["s", "r"]), now: 0)
        log(store, "room", rooms: ["r"])                         // 2
        log(store, "other room", rooms: ["x"])                   // 3
        log(store, "everyone")                                   // 4
        log(store, "alone", rooms: ["s"])                        // 5
        log(store, "except mine", except: ["r"])                 // 6
        log(store, "other namespace", namespace: "/n")           // 7
        log(store, "room or other", rooms: ["x", "r"])           // 8
        let result = store.recover(pid: "p", namespace: "/", offset: "T:1", now: 1, take: true)
        XCTAssertEqual(try missedTexts(result), ["room", "everyone", "alone", "room or other"])
        XCTAssertEqual(try result.get().snapshot.data, ["k": "v"])
        XCTAssertEqual(try result.get().lastSequence, 8)
        XCTAssertEqual(store.sessionCount, 0, "recovered once")
        guard case .failure(.unknownSession) = store.recover(pid: "p", namespace: "/", offset: "T:1", now: 1, take: true) else {
            return XCTFail("a pid recovers once")
        }
    }

    func testWithoutAnOffsetReplaysFromWhereTheSocketConnected() throws {
        let store = makeStore()
        log(store, "old")
        log(store, "older than the socket")
        store.save(snapshot(connectedAt: 2), now: 0)
        log(store, "new")
        XCTAssertEqual(try missedTexts(store.recover(pid: "p", namespace: "/", offset: nil, now: 0, take: false)), ["new"])
        XCTAssertEqual(try missedTexts(store.recover(pid: "p", namespace: "/", offset: "T:1", now: 0, take: false)), ["new"],
                       "an offset from before the socket connected counts from its connection")
    }

    func testPeekLeavesTheSnapshot() throws {
        let store = makeStore()
        store.save(snapshot(), now: 0)
        _ = try store.recover(pid: "p", namespace: "/", offset: nil, now: 0, take: false).get()
        XCTAssertEqual(store.sessionCount, 1)
    }

    func testWrongNamespaceTagOrFutureOffsetIsRefused() {
        let store = makeStore()
        log(store, "a")
        store.save(snapshot(), now: 0)
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/n", offset: nil, now: 0, take: false)), .unknownSession)
        XCTAssertEqual(failure(store.recover(pid: "q", namespace: "/", offset: nil, now: 0, take: false)), .unknownSession)
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: "U:1", now: 0, take: false)), .offsetUnavailable)
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: "T:9", now: 0, take: false)), .offsetUnavailable)
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: "junk", now: 0, take: false)), .offsetUnavailable)
    }

    func testExpiresAfterTheWindow() {
        let store = makeStore(window: 1_000)
        store.save(snapshot(at: 0), now: 0)
        log(store, "a", now: 0)
        XCTAssertNil(failure(store.recover(pid: "p", namespace: "/", offset: nil, now: 1_000, take: false)))
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: nil, now: 1_001, take: false)), .expired)
        XCTAssertEqual(store.sessionCount, 0)
        log(store, "b", now: 2_500)
        XCTAssertEqual(store.entryCount, 1, "events older than the window leave the log")
        store.save(snapshot("q", at: 2_500), now: 2_500)
        store.expire(now: 3_501)
        XCTAssertEqual(store.sessionCount, 0, "snapshots past the window go by themselves")
        XCTAssertEqual(store.entryCount, 0)
    }

    func testOffsetWhoseSuccessorsWereDroppedIsUnavailable() {
        let store = makeStore(window: 1_000)
        log(store, "a", now: 0)                    // 1
        store.save(snapshot(at: 900), now: 900)
        log(store, "b", now: 500)                  // 2
        log(store, "c", now: 1_400)                // 3: 1 (logged at 0) is gone; 2 stays
        XCTAssertEqual(try missedTexts(store.recover(pid: "p", namespace: "/", offset: "T:1", now: 1_400, take: false)), ["b", "c"])
        log(store, "d", now: 1_700)                // 2 (logged at 500) is gone
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: "T:1", now: 1_700, take: false)), .offsetUnavailable,
                       "event 2 was missed and is gone: not recoverable")
        XCTAssertNil(failure(store.recover(pid: "p", namespace: "/", offset: "T:2", now: 1_700, take: false)))
    }

    func testPerSocketByteCap() {
        let store = makeStore(maxBytesPerSocket: 1_000)
        store.save(snapshot(rooms: ["s", "r"]), now: 0)
        for _ in 0..<5 { log(store, String(repeating: "x", count: 100), rooms: ["r"]) }
        XCTAssertNil(failure(store.recover(pid: "p", namespace: "/", offset: nil, now: 0, take: false)))
        for _ in 0..<5 { log(store, String(repeating: "x", count: 100), rooms: ["r"]) }
        for _ in 0..<20 { log(store, String(repeating: "y", count: 100), rooms: ["elsewhere"]) }
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: nil, now: 0, take: true)), .tooManyMissedBytes)
        XCTAssertEqual(store.sessionCount, 0)
    }

    func testStoreByteCapDropsTheOldestEvents() {
        let store = makeStore(maxStoreBytes: 10_000)
        for _ in 0..<100 { log(store, String(repeating: "x", count: 500)) }
        XCTAssertLessThanOrEqual(store.byteCount, 10_000)
        XCTAssertGreaterThan(store.entryCount, 0)
        XCTAssertEqual(store.lastSequence, 100)
        store.save(snapshot(connectedAt: 1), now: 0)
        XCTAssertEqual(failure(store.recover(pid: "p", namespace: "/", offset: "T:1", now: 0, take: false)), .offsetUnavailable)
        let recent = RecoveryOffset(tag: "T", sequence: 99).text
        XCTAssertEqual(try missedTexts(store.recover(pid: "p", namespace: "/", offset: recent, now: 0, take: false)),
                       [String(repeating: "x", count: 500)])
    }

    func testStoreByteCapDropsTheOldestSnapshotsWhenTheyAloneAreOver() {
        let store = makeStore(maxStoreBytes: 2_000)
        for index in 0..<50 { store.save(snapshot("p\(index)", at: Int64(index)), now: Int64(index)) }
        XCTAssertLessThanOrEqual(store.byteCount, 2_000)
        XCTAssertLessThan(store.sessionCount, 50)
        XCTAssertNil(failure(store.recover(pid: "p49", namespace: "/", offset: nil, now: 49, take: false)), "the newest stay")
        XCTAssertEqual(failure(store.recover(pid: "p0", namespace: "/", offset: nil, now: 49, take: false)), .unknownSession)
    }

    private func failure(_ result: Result<RecoveredSession, RecoveryFailure>) -> RecoveryFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }
}

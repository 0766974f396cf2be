import XCTest
import Foundation
import Dispatch
import Synchronization
import PushCore
import TestSupport

private final class TestSession: Sendable {
    let id: Int
    init(id: Int) { self.id = id }
}

final class SessionRegistryTests: XCTestCase {
    func testBasicOperations() {
        let registry = SessionRegistry<TestSession>()
        XCTAssertEqual(registry.shardCount, 16)
        let first = TestSession(id: 1), second = TestSession(id: 2)
        XCTAssertNil(registry.lookup("a"))
        XCTAssertTrue(registry.insert(first, for: "a"))
        XCTAssertFalse(registry.insert(second, for: "a"), "an existing entry is never replaced")
        XCTAssertTrue(registry.lookup("a") === first)
        XCTAssertTrue(registry.insert(second, for: "b"))
        XCTAssertEqual(registry.count, 2)

        XCTAssertFalse(registry.remove("a", ifIdenticalTo: second))
        XCTAssertTrue(registry.lookup("a") === first)
        XCTAssertTrue(registry.remove("a", ifIdenticalTo: first))
        XCTAssertFalse(registry.remove("a", ifIdenticalTo: first))
        XCTAssertTrue(registry.remove("b") === second)
        XCTAssertNil(registry.remove("b"))
        XCTAssertEqual(registry.count, 0)
        XCTAssertTrue(registry.insert(first, for: ""), "an empty key still hashes")
        XCTAssertTrue(registry.lookup("") === first)
    }

    /// A request's `sid` finds its session by the bytes in the query, escaped or not; ids that
    /// share their last eight bytes (a bucket) or differ in length stay apart.
    func testLookupBySIDOfAQuery() throws {
        let registry = SessionRegistry<TestSession>()
        let ids = ["q3Lx6Q.7hB0abcdefghijklmnopqrstu", "7hB0abcdefghijklmnopqrstu", "X7hB0abcdefghijklmnopqrstu",
                   "tag.x-y_z", "short", "a+b", ""]
        var sessions: [String: TestSession] = [:]
        for (index, id) in ids.enumerated() {
            let session = TestSession(id: index)
            sessions[id] = session
            XCTAssertTrue(registry.insert(session, for: id), id)
        }
        for id in ids {
            let plain = try XCTUnwrap(EngineQuery("EIO=4&sid=\(id)&t=1"))
            let expected = id == "a+b" ? nil : sessions[id]  // "+" in a query is a space
            XCTAssertTrue(registry.lookup(sidOf: plain) === expected, id)
            let escaped = try XCTUnwrap(EngineQuery("sid=" + id.utf8.map { String(format: "%%%02X", $0) }.joined()))
            XCTAssertTrue(registry.lookup(sidOf: escaped) === sessions[id], "escaped \(id)")
        }
        XCTAssertNil(registry.lookup(sidOf: try XCTUnwrap(EngineQuery("sid=hB0abcdefghijklmnopqrstu"))))
        XCTAssertNil(registry.lookup(sidOf: try XCTUnwrap(EngineQuery("EIO=4"))))
        XCTAssertTrue(registry.lookup(sidOf: try XCTUnwrap(EngineQuery("sid=short&sid=tag.x-y_z"))) === sessions["short"])
        var listed: [String] = []
        registry.forEach { id, _ in listed.append(id) }
        XCTAssertEqual(listed.sorted(), ids.sorted())
    }

    /// A closing session removes itself by identity, and the table it grew is given back.
    func testRemovalByIdentityGivesBackACrowdsTable() {
        let registry = SessionRegistry<TestSession>(shardCount: 1)
        let idle = registry.storageCapacity
        let crowd = (0..<5_000).map { (SessionID.make(), TestSession(id: $0)) }
        for (sid, session) in crowd { XCTAssertTrue(registry.insert(session, for: sid)) }
        XCTAssertFalse(registry.insert(crowd[7].1, for: crowd[7].0), "the same session twice is one entry")
        XCTAssertEqual(registry.count, 5_000)
        XCTAssertGreaterThanOrEqual(registry.storageCapacity, 5_000)
        for (sid, session) in crowd.reversed() {
            XCTAssertFalse(registry.remove(sid, ifIdenticalTo: crowd[0].1 === session ? crowd[1].1 : crowd[0].1))
            XCTAssertTrue(registry.remove(sid, ifIdenticalTo: session))
        }
        XCTAssertEqual(registry.count, 0)
        XCTAssertLessThanOrEqual(registry.storageCapacity, max(idle, 256))
    }

    func testShardCountRounding() {
        XCTAssertEqual(SessionRegistry<TestSession>(shardCount: 0).shardCount, 1)
        XCTAssertEqual(SessionRegistry<TestSession>(shardCount: -5).shardCount, 1)
        XCTAssertEqual(SessionRegistry<TestSession>(shardCount: 5).shardCount, 8)
        XCTAssertEqual(SessionRegistry<TestSession>(shardCount: 64).shardCount, 64)
    }

    func testForEachAndRemoveAll() {
        let registry = SessionRegistry<TestSession>()
        for id in 0..<1_000 { registry.insert(TestSession(id: id), for: "sid\(id)") }
        var visited = Set<Int>()
        registry.forEach { sid, session in
            XCTAssertEqual(sid, "sid\(session.id)")
            visited.insert(session.id)
            registry.remove(sid) // the registry may be used from inside forEach
        }
        XCTAssertEqual(visited, Set(0..<1_000))
        XCTAssertEqual(registry.count, 0)

        for id in 0..<100 { registry.insert(TestSession(id: id), for: "sid\(id)") }
        XCTAssertEqual(Set(registry.removeAll().map(\.id)), Set(0..<100))
        XCTAssertEqual(registry.count, 0)
    }

    func testShardsAreEvenForPlainAndTaggedIds() {
        let registry = SessionRegistry<TestSession>()
        for tag in [[UInt8](), [1, 2, 3]] {
            var perShard = [Int](repeating: 0, count: 16)
            for _ in 0..<16_000 { perShard[registry.shardIndex(for: SessionID.make(nodeTag: tag))] += 1 }
            // 1,000 expected per shard; sigma is about 31.
            for count in perShard { XCTAssertTrue((820...1_180).contains(count), "\(perShard)") }
        }
    }

    func testConcurrentInsertLookupRemove() {
        let registry = SessionRegistry<TestSession>()
        let workers = 8, perWorker = 5_000
        let sids = (0..<workers).map { _ in (0..<perWorker).map { _ in SessionID.make() } }
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var bad = 0
            for (index, sid) in sids[worker].enumerated() {
                let session = TestSession(id: worker * perWorker + index)
                if !registry.insert(session, for: sid) { bad += 1 }
                if registry.lookup(sid) !== session { bad += 1 }
            }
            for (index, sid) in sids[worker].enumerated() where index % 2 == 0 {
                if registry.remove(sid)?.id != worker * perWorker + index { bad += 1 }
                if registry.lookup(sid) != nil { bad += 1 }
            }
            _ = registry.count
            registry.forEach { _, _ in }
            failures.withLock { $0 += bad }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
        XCTAssertEqual(registry.count, workers * perWorker / 2)
        for worker in 0..<workers {
            for (index, sid) in sids[worker].enumerated() {
                XCTAssertEqual(registry.lookup(sid)?.id, index % 2 == 0 ? nil : worker * perWorker + index)
            }
        }
    }

    func testRacingInsertsOfTheSameIdHaveOneWinner() {
        let registry = SessionRegistry<TestSession>()
        let sids = (0..<5_000).map { _ in SessionID.make() }
        let wins = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var won = 0
            for sid in sids where registry.insert(TestSession(id: worker), for: sid) { won += 1 }
            wins.withLock { $0 += won }
        }
        XCTAssertEqual(wins.withLock { $0 }, sids.count)
        XCTAssertEqual(registry.count, sids.count)
    }
}

extension SessionRegistryTests {
    /// Loops lock different shards at once: one shard's lock and table (its first 32 bytes,
    /// after the object's header) must share no cache line with another shard's.
    func testShardsShareNoCacheLine() {
        let registry = SessionRegistry<TestSession>(shardCount: 16)
        let lines = registry.shardObjects.map { [CacheLines.of($0, firstBytes: 32)] }
        let shared = CacheLines.shared(between: lines)
        XCTAssertTrue(shared.isEmpty, "shards sharing lines: \(shared)")
    }
}

import XCTest
@testable import PushCore

/// The lifecycle delivery state machine on a manual clock: batching by size and by time, one
/// batch in flight, retries in order with capped exponential backoff and jitter, and the
/// capacity bound dropping the oldest.
final class LifecycleOutboxTests: XCTestCase {
    func record(_ n: Int) -> [UInt8] { Array("{\"n\":\(n)}".utf8) }

    func body(_ numbers: ClosedRange<Int>) -> String {
        "{\"events\":[" + numbers.map { "{\"n\":\($0)}" }.joined(separator: ",") + "]}"
    }

    func sent(_ action: LifecycleOutbox.Action, file: StaticString = #filePath, line: UInt = #line) -> LifecycleOutbox.Batch? {
        guard case .send(let batch) = action else {
            XCTFail("expected a batch, got \(action)", file: file, line: line)
            return nil
        }
        return batch
    }

    func testAPartialBatchWaitsForTheDelayAFullOneGoesAtOnce() throws {
        var outbox = LifecycleOutbox(seed: 1)
        XCTAssertEqual(outbox.poll(now: 0), .idle)
        outbox.append(record(1), now: 1_000)
        outbox.append(record(2), now: 1_050)
        XCTAssertEqual(outbox.poll(now: 1_050), .wake(at: 1_100))
        XCTAssertEqual(outbox.poll(now: 1_099), .wake(at: 1_100))
        let batch = try XCTUnwrap(sent(outbox.poll(now: 1_100)))
        XCTAssertEqual(String(decoding: batch.body, as: UTF8.self), body(1...2))
        XCTAssertEqual(batch.count, 2)
        XCTAssertEqual(outbox.poll(now: 1_200), .idle, "one batch in flight at a time")
        outbox.delivered(batch)
        XCTAssertEqual(outbox.pendingCount, 0)
        XCTAssertEqual(outbox.deliveredCount, 2)

        var config = LifecycleOutbox.Configuration()
        config.maxBatch = 3
        var full = LifecycleOutbox(configuration: config, seed: 1)
        for n in 1...7 { full.append(record(n), now: 0) }
        let first = try XCTUnwrap(sent(full.poll(now: 0)))
        XCTAssertEqual(String(decoding: first.body, as: UTF8.self), body(1...3))
        full.delivered(first)
        let second = try XCTUnwrap(sent(full.poll(now: 0)))
        XCTAssertEqual(String(decoding: second.body, as: UTF8.self), body(4...6))
        full.delivered(second)
        XCTAssertEqual(full.poll(now: 0), .wake(at: 100), "the last one waits for company")
    }

    func testFailuresRetryTheSameRecordsInOrderWithGrowingBackoff() throws {
        var config = LifecycleOutbox.Configuration()
        config.minBackoff = 100
        config.maxBackoff = 1_000
        var outbox = LifecycleOutbox(configuration: config, seed: 42)
        outbox.append(record(1), now: 0)
        var now: Int64 = 100
        var batch = try XCTUnwrap(sent(outbox.poll(now: now)))
        var delays: [Int64] = []
        for attempt in 1...8 {
            outbox.failed(batch, now: now)
            if attempt == 2 { outbox.append(record(2), now: now) }  // joins the head of the queue
            guard case .wake(let at) = outbox.poll(now: now) else { return XCTFail("no wake-up") }
            delays.append(at - now)
            XCTAssertEqual(outbox.poll(now: at - 1), .wake(at: at))
            now = at
            batch = try XCTUnwrap(sent(outbox.poll(now: now)))
            XCTAssertEqual(String(decoding: batch.body, as: UTF8.self), attempt < 2 ? body(1...1) : body(1...2))
        }
        // Each delay lies in the upper half of 100, 200, 400, 800, then the 1,000 cap.
        let bases: [Int64] = [100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000]
        for (delay, base) in zip(delays, bases) {
            XCTAssert(delay >= base / 2 && delay <= base, "delay \(delay) for base \(base)")
        }
        XCTAssertGreaterThan(Set(delays.suffix(4)).count, 1, "jitter spreads retries")
        outbox.delivered(batch)
        XCTAssertEqual(outbox.pendingCount, 0)
        XCTAssertEqual(outbox.retryCount, 8)
        // Success resets the backoff.
        outbox.append(record(3), now: now)
        let next = try XCTUnwrap(sent(outbox.poll(now: now + 100)))
        outbox.failed(next, now: now + 100)
        guard case .wake(let at) = outbox.poll(now: now + 100) else { return XCTFail("no wake-up") }
        XCTAssertLessThanOrEqual(at - (now + 100), 100)
    }

    func testPastCapacityTheOldestAreDroppedAndCounted() throws {
        var config = LifecycleOutbox.Configuration()
        config.capacity = 5
        config.maxBatch = 2
        var outbox = LifecycleOutbox(configuration: config, seed: 7)
        for n in 1...3 { outbox.append(record(n), now: 0) }
        let inFlight = try XCTUnwrap(sent(outbox.poll(now: 0)))  // records 1 and 2
        var dropped = 0
        for n in 4...9 { dropped += outbox.append(record(n), now: 0).dropped }
        XCTAssertEqual(dropped, 4)
        XCTAssertEqual(outbox.droppedCount, 4)
        XCTAssertEqual(outbox.pendingCount, 5)
        XCTAssertEqual(outbox.oldestSequence, 5)
        // The answer for records already dropped drops nothing more.
        outbox.delivered(inFlight)
        XCTAssertEqual(outbox.pendingCount, 5)
        let next = try XCTUnwrap(sent(outbox.poll(now: 0)))
        XCTAssertEqual(String(decoding: next.body, as: UTF8.self), body(5...6))
    }

    func testStaleReportsAreIgnored() throws {
        var outbox = LifecycleOutbox(seed: 3)
        outbox.append(record(1), now: 0)
        let batch = try XCTUnwrap(sent(outbox.poll(now: 100)))
        outbox.delivered(batch)
        outbox.failed(batch, now: 200)
        outbox.delivered(batch)
        XCTAssertEqual(outbox.poll(now: 300), .idle)
        XCTAssertEqual(outbox.deliveredCount, 1)
        XCTAssertEqual(outbox.retryCount, 0)
    }
}

import Glibc
import Synchronization
import XCTest
@testable import Transports

/// A loop's inbox after a burst of work from other threads.
final class EventLoopInboxTests: XCTestCase {
    /// A loop that fell behind once (two million tasks waiting, 32 MiB of inbox) goes back to
    /// what it held before once it has caught up. It kept the burst's inbox for good, and
    /// allocated it anew, a page larger, on every later iteration: an idle server that had
    /// lagged once grew by about half a megabyte a second.
    func testALoopLetsGoOfItsInboxOnceItCaughtUp() throws {
        let group = try EventLoopGroup(threadCount: 1)
        group.start()
        defer { group.shutdown() }
        let loop = group.loops[0]
        let done = Atomic<Int>(0)
        /// Posts a task and waits for the loop to run it (one iteration of the loop at least).
        func roundTrip() {
            let before = done.load(ordering: .acquiring)
            loop.execute { done.add(1, ordering: .releasing) }
            while done.load(ordering: .acquiring) == before { usleep(50) }
        }
        for _ in 0..<100 { roundTrip() }
        let baseline = HeapStatistics.bytesInUse

        // The loop is busy while the burst queues up, as behind a storm of broadcasts.
        let busy = Atomic<Bool>(true)
        let blocked = Atomic<Bool>(false)
        loop.execute {
            blocked.store(true, ordering: .releasing)
            while busy.load(ordering: .acquiring) { usleep(50) }
        }
        while !blocked.load(ordering: .acquiring) { usleep(50) }
        for _ in 0..<(2 << 20) { loop.execute {} }
        busy.store(false, ordering: .releasing)
        roundTrip()

        for _ in 0..<1_000 { roundTrip() }
        let held = HeapStatistics.bytesInUse - baseline
        XCTAssertLessThan(held, 4 << 20, "the loop holds \(held) bytes more after it caught up")
    }
}

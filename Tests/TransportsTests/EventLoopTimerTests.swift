import Glibc
import Synchronization
import XCTest
@testable import Transports

/// Timers on a running loop: the loop waits without a timeout, woken by its tick timer while
/// the wheel holds entries, so a timer must wake a loop that nothing else wakes.
final class EventLoopTimerTests: XCTestCase {
    /// Schedules a timer `after` ms on `loop` and waits for it; the milliseconds it took, or nil.
    private func fire(after milliseconds: Int64, on loop: EventLoop) -> Int64? {
        let firedAt = Mutex<Int64?>(nil)
        let start = MonotonicClock.milliseconds()
        loop.execute {
            _ = loop.schedule(after: milliseconds) { firedAt.withLock { $0 = MonotonicClock.milliseconds() } }
        }
        let deadline = start + milliseconds + 5_000
        while MonotonicClock.milliseconds() < deadline {
            if let at = firedAt.withLock({ $0 }) { return at - start }
            usleep(1_000)
        }
        return nil
    }

    func testATimerWakesAnIdleLoopAtItsTime() throws {
        try withRunningLoop { loop in
            let took = try XCTUnwrap(fire(after: 50, on: loop), "the timer never fired")
            XCTAssertGreaterThanOrEqual(took, 50)
            // A tick is 10 ms; the rest is room for a busy machine.
            XCTAssertLessThan(took, 50 + 500)
        }
    }

    func testTimersStillFireAfterTheWheelEmptied() throws {
        try withRunningLoop { loop in
            XCTAssertNotNil(fire(after: 20, on: loop))
            // Nothing pending now: the tick timer is off until the next timer.
            usleep(50_000)
            XCTAssertEqual(runAndWait(on: loop) { loop.pendingTimers }, 0)
            XCTAssertNotNil(fire(after: 20, on: loop), "a timer scheduled on a loop with an empty wheel never fired")
        }
    }

    func testALoopLetGoOfClosesItsDescriptors() throws {
        let before = try loopDescriptors()
        for index in 0..<20 { _ = try EventLoop(index: index) }
        // A descriptor left open by each loop would be 20 more; other threads of the test
        // process (the dispatch library's) may open one or two of these kinds meanwhile.
        XCTAssertLessThan(try loopDescriptors() - before, 10, "loops left descriptors open (their poller, wake-up or tick)")
    }

    /// The process's open descriptors of the kinds a loop opens (epoll, eventfd, timerfd: the
    /// kernel's anonymous inodes), not files other threads may be reading meanwhile.
    private func loopDescriptors() throws -> Int {
        try procEntries("/proc/self/fd").filter { name in
            var target = [CChar](repeating: 0, count: 64)
            let length = readlink("/proc/self/fd/\(name)", &target, 63)
            return length > 0 && String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .hasPrefix("anon_inode:")
        }.count
    }
}

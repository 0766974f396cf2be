import XCTest
@testable import Transports

final class TimingWheelTests: XCTestCase {
    func testFiresAtOrAfterDeadlineNeverBefore() {
        var wheel = TimingWheel(now: 1_000, tickMilliseconds: 10, slotCount: 8)
        var fired: [Int] = []
        for (index, delay) in [5, 10, 15, 79, 80, 81, 500].enumerated() {
            _ = wheel.schedule(at: 1_000 + Int64(delay)) { fired.append(index) }
        }
        var now: Int64 = 1_000
        var firedAt: [Int: Int64] = [:]
        while now <= 1_600 {
            for action in wheel.advance(to: now) {
                let before = fired.count
                action()
                for index in fired[before...] { firedAt[index] = now }
            }
            now += 1
        }
        XCTAssertEqual(Set(fired), Set(0..<7))
        let delays: [Int64] = [5, 10, 15, 79, 80, 81, 500]
        for (index, delay) in delays.enumerated() {
            let at = firedAt[index]!
            XCTAssertGreaterThanOrEqual(at, 1_000 + delay, "timer \(index) fired early")
            XCTAssertLessThan(at, 1_000 + delay + 20, "timer \(index) fired late")
        }
        XCTAssertEqual(wheel.count, 0)
    }

    func testCancelledTimerNeverFiresAndIsSwept() {
        var wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 16)
        var fired = false
        let timer = wheel.schedule(at: 50) { fired = true }
        timer.cancel()
        XCTAssertTrue(timer.isDone)
        for action in wheel.advance(to: 1_000) { action() }
        XCTAssertFalse(fired)
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.millisecondsToNextTick(now: 1_000))
    }

    func testLongJumpFiresEverythingDueOnce() {
        var wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 4)
        var count = 0
        for delay in stride(from: 10, through: 1_000, by: 10) {
            _ = wheel.schedule(at: Int64(delay)) { count += 1 }
        }
        // Jumping past many revolutions at once fires each timer exactly once.
        for action in wheel.advance(to: 5_000) { action() }
        XCTAssertEqual(count, 100)
        for action in wheel.advance(to: 10_000) { action() }
        XCTAssertEqual(count, 100)
    }

    func testTimerBeyondOneRevolutionWaitsForItsTick() {
        var wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 4)
        var fired = false
        _ = wheel.schedule(at: 95) { fired = true }
        for action in wheel.advance(to: 60) { action() }
        XCTAssertFalse(fired)
        for action in wheel.advance(to: 100) { action() }
        XCTAssertTrue(fired)
    }
}

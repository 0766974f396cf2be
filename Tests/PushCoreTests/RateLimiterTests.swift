import XCTest
@testable import PushCore

final class RateLimiterTests: XCTestCase {
    func testBurstThenSteadyRate() {
        var limiter = RateLimiter(rate: 100, burst: 10, now: 0)
        for _ in 0..<10 { XCTAssertEqual(limiter.take(now: 0), 0) }
        // The 11th event has to wait one token's worth: 10 ms at 100/s.
        XCTAssertEqual(limiter.take(now: 0), 10)
        // After 50 ms, 5 tokens came back, one of which repaid the debt.
        for _ in 0..<4 { XCTAssertEqual(limiter.take(now: 50), 0) }
        XCTAssertGreaterThan(limiter.take(now: 50), 0)
    }

    func testRefillNeverExceedsBurst() {
        var limiter = RateLimiter(rate: 1000, burst: 5, now: 0)
        for _ in 0..<5 { _ = limiter.take(now: 0) }
        for _ in 0..<5 { XCTAssertEqual(limiter.take(now: 60_000), 0) }
        XCTAssertGreaterThan(limiter.take(now: 60_000), 0)
    }

    func testBatchesAndUnlimited() {
        var limiter = RateLimiter(rate: 10, burst: 10, now: 0)
        XCTAssertEqual(limiter.take(30, now: 0), 2_000)
        var free = RateLimiter(rate: 0, now: 0)
        XCTAssertTrue(free.isUnlimited)
        XCTAssertEqual(free.take(1_000_000, now: 0), 0)
    }

    func testTakeAvailableTakesWhatTheBucketHoldsAndDelaySaysWhenMoreComes() {
        // A POST of 20,000 packets at 2,000/s with bursts of 4,000: the burst now, then the rate.
        var limiter = RateLimiter(rate: 2_000, burst: 4_000, now: 0)
        XCTAssertEqual(limiter.takeAvailable(20_000, now: 0), 4_000)
        XCTAssertEqual(limiter.takeAvailable(20_000, now: 0), 0)
        XCTAssertEqual(limiter.delay(until: 40, now: 0), 20)
        XCTAssertEqual(limiter.delay(until: 40, now: 20), 0)
        XCTAssertEqual(limiter.takeAvailable(20_000, now: 500), 1_000)
        // Never more than a burst is waited for.
        XCTAssertEqual(limiter.delay(until: 1_000_000, now: 500), 2_000)
        var free = RateLimiter(rate: 0, now: 0)
        XCTAssertEqual(free.takeAvailable(333_000, now: 0), 333_000)
        XCTAssertEqual(free.delay(until: 10, now: 0), 0)
    }
}

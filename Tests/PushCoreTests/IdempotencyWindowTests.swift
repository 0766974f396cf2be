@testable import PushCore
import XCTest

final class IdempotencyWindowTests: XCTestCase {
    func testAKeyCountsOnceWithinTheWindow() {
        let window = IdempotencyWindow(window: 1_000, capacity: 10)
        XCTAssertTrue(window.claim("a", now: 0))
        XCTAssertFalse(window.claim("a", now: 999))
        XCTAssertTrue(window.claim("b", now: 999))
        XCTAssertTrue(window.claim("a", now: 1_000), "the window has passed")
        XCTAssertFalse(window.claim("a", now: 1_500))
    }

    func testExpiredKeysAreForgotten() {
        let window = IdempotencyWindow(window: 100, capacity: 1_000)
        for index in 0..<500 { XCTAssertTrue(window.claim("k\(index)", now: Int64(index))) }
        XCTAssertEqual(window.count, 100)
        _ = window.claim("late", now: 10_000)
        XCTAssertEqual(window.count, 1)
    }

    func testCapacityBoundsMemory() {
        let window = IdempotencyWindow(window: 1_000_000, capacity: 50)
        for index in 0..<5_000 { XCTAssertTrue(window.claim("k\(index)", now: 1)) }
        XCTAssertLessThanOrEqual(window.count, 50)
        XCTAssertFalse(window.claim("k4999", now: 2), "the newest keys are kept")
        XCTAssertTrue(window.claim("k0", now: 2), "the oldest were forgotten early")
    }
}

import XCTest
@testable import PushCore

final class OriginRefusalLogTests: XCTestCase {
    func testOncePerOriginPerInterval() {
        var log = OriginRefusalLog(intervalMilliseconds: 60_000)
        XCTAssertTrue(log.shouldLog("http://localhost:3100", now: 0))
        XCTAssertFalse(log.shouldLog("http://localhost:3100", now: 1_000))
        XCTAssertTrue(log.shouldLog("http://other.example", now: 1_000), "each origin has its own minute")
        XCTAssertFalse(log.shouldLog("http://localhost:3100", now: 59_999))
        XCTAssertTrue(log.shouldLog("http://localhost:3100", now: 60_000))
        XCTAssertFalse(log.shouldLog("http://localhost:3100", now: 60_001))
    }

    func testRemembersAtMostCapacityOrigins() {
        var log = OriginRefusalLog(intervalMilliseconds: 60_000, capacity: 3)
        for index in 0..<10 { XCTAssertTrue(log.shouldLog("http://site\(index).example", now: Int64(index))) }
        XCTAssertLessThanOrEqual(log.count, 3)
        // The newest are still remembered.
        XCTAssertFalse(log.shouldLog("http://site9.example", now: 20))
    }

    func testMessageNamesTheFix() {
        XCTAssertEqual(OriginRefusalLog.message(origin: "http://localhost:3100"),
                       "origin http://localhost:3100 refused; allow it with --cors-origin")
        XCTAssertTrue(OriginRefusalLog.message(origin: "http://a.example", untrustedProxy: true).hasSuffix("see --trust-proxy)"))
    }
}

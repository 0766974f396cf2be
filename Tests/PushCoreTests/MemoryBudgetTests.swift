import XCTest
import PushCore

final class MemoryBudgetTests: XCTestCase {
    private func holders(_ sizes: [Int]) -> [MemoryBudget.Holder<Int>] {
        sizes.enumerated().map { MemoryBudget.Holder(id: $0.offset, bytes: $0.element) }
    }

    func testUnderTheLimitNobodyIsClosed() {
        let budget = MemoryBudget(limit: 1_000)
        XCTAssertTrue(budget.victims(total: 1_000, candidates: holders([600, 400])).isEmpty)
        XCTAssertTrue(MemoryBudget(limit: 0).victims(total: 1 << 40, candidates: holders([1 << 40])).isEmpty, "0: no budget")
    }

    func testTheLargestHoldersGoFirstUntilTheRestFits() {
        let budget = MemoryBudget(limit: 1_000)
        // 1,600 held: 600 over. The 500 holder is not enough alone; 500 + 300 is.
        let chosen = budget.victims(total: 1_600, candidates: holders([100, 500, 300, 200, 0, 500]))
        XCTAssertEqual(chosen.map(\.bytes), [500, 500], "the two largest bring it under")
        XCTAssertEqual(Set(chosen.map(\.id)), [1, 5])
    }

    func testHoldersOfNothingAreNeverClosed() {
        let budget = MemoryBudget(limit: 10)
        XCTAssertEqual(budget.victims(total: 100, candidates: holders([0, 0, 40])).map(\.bytes), [40])
    }

    func testALoopReportsItsLargestHolders() {
        var largest = MemoryBudget.Largest<Int>(2)
        var made: [Int] = []
        for (id, bytes) in [5, 50, 1, 20, 20, 7].enumerated() {
            largest.offer(bytes: bytes) { made.append(id); return id }
        }
        XCTAssertEqual(largest.holders.map(\.bytes), [50, 20])
        XCTAssertEqual(largest.holders.map(\.id), [1, 3], "a tie does not displace what was kept")
        XCTAssertEqual(made, [0, 1, 3], "ids are made only for holders kept at the time")

        var many = MemoryBudget.Largest<Int>(64)
        let sizes = (0..<10_000).map { ($0 * 7_919) % 10_007 }
        for (id, bytes) in sizes.enumerated() { many.offer(bytes: bytes) { id } }
        XCTAssertEqual(many.holders.map(\.bytes), Array(sizes.sorted(by: >).prefix(64)))

        var none = MemoryBudget.Largest<Int>(0)
        none.offer(bytes: 1) { XCTFail("nothing is kept"); return 0 }
        XCTAssertTrue(none.holders.isEmpty)
    }
}

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
        XCTAssertEqual(MemoryBudget.largest(2, of: holders([5, 50, 1, 20])).map(\.bytes), [50, 20])
    }
}

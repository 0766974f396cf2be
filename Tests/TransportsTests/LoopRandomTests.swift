import PushCore
import XCTest
@testable import Transports

final class LoopRandomTests: XCTestCase {
    func testWordsAcrossRefillsAreNeverHandedOutTwice() {
        var random = LoopRandom()
        // Three buffers' worth and a little more: 64 words per refill.
        let words = (0..<200).map { _ in random.next() }
        XCTAssertEqual(Set(words).count, words.count)
        // 64 random bits each: a word of all zeros or a run of equal words means a buffer was
        // handed out unfilled.
        XCTAssertFalse(words.contains(0))
    }

    func testTwoLoopsDrawDifferentWords() {
        var first = LoopRandom()
        var second = LoopRandom()
        XCTAssertNotEqual((0..<4).map { _ in first.next() }, (0..<4).map { _ in second.next() })
    }

    func testSessionIdsFromALoopHaveTheUsualShape() {
        var random = LoopRandom()
        let ids = (0..<100).map { _ in SessionID.make(using: &random) }
        XCTAssertEqual(Set(ids).count, 100)
        XCTAssertTrue(ids.allSatisfy { $0.utf8.count == SessionID.randomLength && SessionID.isWellFormed($0) })
    }
}

import XCTest
@testable import PushCore
@testable import Transports

/// A connection's queue of chunks: what is pending, what a partial write leaves, and that every
/// chunk is released exactly when it is written, dropped, or the queue goes.
final class OutputQueueTests: XCTestCase {
    private func chunk(_ text: String) -> ByteChunk { ByteChunk.copying(Array(text.utf8)) }

    private func pending(_ queue: borrowing OutputQueue) -> [String] {
        (0..<queue.pendingCount).map { String(decoding: queue.pendingBytes($0), as: UTF8.self) }
    }

    /// Appends a chunk that only the queue holds; the watch sees when it is freed.
    private func append(_ text: String, to queue: inout OutputQueue) -> Watch {
        let made = chunk(text)
        let watch = Watch(made.storage)
        queue.append(made)
        return watch
    }

    func testWritesTakeWholeChunksAndPartsOfThem() {
        var queue = OutputQueue()
        XCTAssertTrue(queue.isEmpty)
        let first = append("abc", to: &queue), second = append("defg", to: &queue), third = append("hi", to: &queue)
        XCTAssertEqual(pending(queue), ["abc", "defg", "hi"])
        XCTAssertFalse(first.isFreed)

        queue.advance(by: 2)
        XCTAssertEqual(pending(queue), ["c", "defg", "hi"])
        XCTAssertEqual(queue.pendingCount, 3)
        XCTAssertFalse(first.isFreed, "a chunk partly written is kept")

        queue.advance(by: 3)
        XCTAssertEqual(pending(queue), ["fg", "hi"])
        XCTAssertTrue(first.isFreed, "a chunk written whole is released at once")
        XCTAssertFalse(second.isFreed)

        queue.advance(by: 4)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertTrue(second.isFreed && third.isFreed)
        queue.compact()
        XCTAssertEqual(queue.headOffset, 0)
        queue.append(chunk("j"))
        XCTAssertEqual(pending(queue), ["j"])
    }

    func testGrowsAndReusesWrittenSlotsInOrder() {
        var queue = OutputQueue()
        var expected: [String] = []
        // Past the first storage (4), then written slots reused while more arrive.
        for round in 0..<300 {
            let text = "m\(round)"
            queue.append(chunk(text))
            expected.append(text)
            if round % 3 == 2 {
                queue.advance(by: expected[0].utf8.count)
                expected.removeFirst()
                queue.compact()
            }
        }
        XCTAssertEqual(pending(queue), expected)
        let total = expected.reduce(0) { $0 + $1.utf8.count }
        queue.advance(by: total)
        XCTAssertTrue(queue.isEmpty)
        queue.compact()
        queue.append(chunk("after"))
        XCTAssertEqual(pending(queue), ["after"])
    }

    func testTwoChunksStayInlineAndAThirdMovesThemWithThePartWritten() {
        var queue = OutputQueue()
        let first = append("abcd", to: &queue), second = append("ef", to: &queue)
        queue.advance(by: 3)
        XCTAssertEqual(pending(queue), ["d", "ef"])
        XCTAssertEqual(queue.pendingCount, 2)
        XCTAssertFalse(first.isFreed)
        // A third chunk: the two move to storage, the first still three bytes in.
        let third = append("ghi", to: &queue)
        XCTAssertEqual(pending(queue), ["d", "ef", "ghi"])
        queue.advance(by: 2)
        XCTAssertEqual(pending(queue), ["f", "ghi"])
        XCTAssertTrue(first.isFreed, "moved to storage, still released once written")
        queue.advance(by: 4)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertTrue(second.isFreed && third.isFreed)
    }

    func testInlineChunksAreReleasedAsWrittenDroppedOrLetGo() {
        let kept: Watch
        do {
            var queue = OutputQueue()
            let written = append("ab", to: &queue), next = append("cd", to: &queue)
            queue.advance(by: 2)
            XCTAssertTrue(written.isFreed)
            XCTAssertEqual(pending(queue), ["cd"])
            queue.append(chunk("ef"))
            XCTAssertEqual(pending(queue), ["cd", "ef"], "the second slot is free again")
            queue.removeAll()
            XCTAssertTrue(next.isFreed)
            XCTAssertTrue(queue.isEmpty)
            kept = append("kept", to: &queue)
            queue.advance(by: 1)
            XCTAssertEqual(queue.headOffset, 1)
        }
        XCTAssertTrue(kept.isFreed, "a queue that goes releases its inline chunks")
    }

    func testDroppingOrLettingGoReleasesWhatIsPending() {
        let kept: Watch
        do {
            var queue = OutputQueue()
            let dropped = append("dropped", to: &queue)
            queue.removeAll()
            XCTAssertTrue(dropped.isFreed)
            XCTAssertTrue(queue.isEmpty)
            kept = append("kept", to: &queue)
            queue.advance(by: 1)
            XCTAssertFalse(kept.isFreed)
        }
        XCTAssertTrue(kept.isFreed, "a queue that goes releases its pending chunks")
    }
}

/// Sees whether a chunk's storage is freed.
private final class Watch {
    weak var storage: ByteChunk.Storage?
    init(_ storage: ByteChunk.Storage) { self.storage = storage }
    var isFreed: Bool { storage == nil }
}

import Glibc
import Synchronization
import XCTest
@testable import Transports

/// Runs `body` on `loop` and waits for it (the loops run on their own threads).
func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphoreLite()
    loop.execute {
        let value = body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}

/// A one-shot semaphore without Foundation.
final class DispatchSemaphoreLite: Sendable {
    private let signalled = Atomic<Bool>(false)
    func signal() { signalled.store(true, ordering: .releasing) }
    func wait(timeoutMilliseconds: Int = 10_000) {
        var waited = 0
        while !signalled.load(ordering: .acquiring) && waited < timeoutMilliseconds {
            usleep(1_000)
            waited += 1
        }
        precondition(signalled.load(ordering: .acquiring), "timed out waiting for a loop")
    }
}

final class LoopBoundTests: XCTestCase {
    private var group: EventLoopGroup!

    override func setUpWithError() throws {
        group = try EventLoopGroup(threadCount: 2)
        group.start()
    }

    override func tearDown() {
        group.shutdown()
        group = nil
    }

    /// A class that is not Sendable: only a LoopBound lets a @Sendable closure carry it.
    private final class Counter {
        var count = 0
    }

    func testAValueBoundOnItsLoopIsReadAndChangedThereFromAnotherThread() {
        let loop = group.loops[0]
        let bound = onLoop(loop) { LoopBound(Counter(), loop: loop) }
        for _ in 0..<100 { loop.execute { bound.value.count += 1 } }
        XCTAssertEqual(onLoop(loop) { bound.value.count }, 100)
        XCTAssertTrue(bound.loop === loop)
    }

    func testABoxIsSharedByEveryCopyWhileAStructIsCopied() {
        let loop = group.loops[1]
        let box = onLoop(loop) { LoopBoundBox([Int](), loop: loop) }
        let copy = box
        for value in 0..<10 { loop.execute { copy.value.append(value) } }
        XCTAssertEqual(onLoop(loop) { box.value }, Array(0..<10))

        let counts = onLoop(loop) { () -> [Int] in
            var first = LoopBound(1, loop: loop)
            let second = first
            first.value += 1
            return [first.value, second.value]
        }
        XCTAssertEqual(counts, [2, 1])
    }

    func testAValueCanBeBoundBeforeItsLoopStarts() throws {
        let idle = try EventLoop(index: 7)
        var bound = LoopBound([1, 2], loop: idle)
        bound.value.append(3)
        XCTAssertEqual(bound.value, [1, 2, 3])
    }

    func testAValueMadeElsewhereIsHandedToARunningLoop() {
        let loop = group.loops[1]
        let bound = LoopBound(takingOwnershipOf: Counter(), loop: loop)
        let box = LoopBoundBox(takingOwnershipOf: Counter(), loop: loop)
        for _ in 0..<10 {
            loop.execute {
                bound.value.count += 1
                box.value.count += 2
            }
        }
        XCTAssertEqual(onLoop(loop) { [bound.value.count, box.value.count] }, [10, 20])
    }

    func testRunIsInlineOnTheLoopAndQueuedElsewhere() {
        let loop = group.loops[0]
        let order = onLoop(loop) { () -> [String] in
            let seen = LoopBoundBox([String](), loop: loop)
            loop.run { seen.value.append("inline") }
            seen.value.append("after")
            return seen.value
        }
        XCTAssertEqual(order, ["inline", "after"])

        let ran = Atomic<Bool>(false)
        let done = DispatchSemaphoreLite()
        loop.run {
            ran.store(true, ordering: .relaxed)
            done.signal()
        }
        done.wait()
        XCTAssertTrue(ran.load(ordering: .relaxed))
        XCTAssertFalse(loop.inEventLoop)
        XCTAssertTrue(onLoop(loop) { loop.inEventLoop })
        XCTAssertFalse(onLoop(group.loops[1]) { loop.inEventLoop })
    }
}

import Glibc
import Synchronization
import TestSupport
import XCTest
@testable import Transports

/// A group makes each loop, and what set-up makes for it, on the loop's own thread, so that
/// no cache line holds objects of two loops (see LoopThread).
final class LoopPlacementTests: XCTestCase {
    /// A small object, like a loop's table or counters.
    private final class Small {
        var count = 0
    }

    /// Each loop's objects: the loop, its counters, and small objects made through `makeLocal`
    /// in turn for every loop, as set-up makes per-loop state.
    private func objectsPerLoop(_ loops: [EventLoop], smallEach: Int) -> [[AnyObject]] {
        var made: [[AnyObject]] = loops.map { [$0, $0.metrics] }
        for _ in 0..<smallEach {
            for (index, loop) in loops.enumerated() { made[index].append(loop.makeLocal { Small() }) }
        }
        return made
    }

    func testTheAuditFindsObjectsMadeInTurnOnOneThreadSharingLines() {
        // What set-up did before: per-loop objects made in turn on one thread lie side by side.
        var made: [[AnyObject]] = Array(repeating: [], count: 4)
        for _ in 0..<16 {
            for index in made.indices { made[index].append(Small()) }
        }
        let shared = CacheLines.shared(between: made.map { $0.map { CacheLines.of($0) } })
        XCTAssertFalse(shared.isEmpty, "16 rounds of 4 small objects made in turn on one thread shared no line")
    }

    func testLoopsAndTheirObjectsShareNoCacheLine() throws {
        let group = try EventLoopGroup(threadCount: 4)
        defer { group.shutdown() }
        let made = objectsPerLoop(group.loops, smallEach: 16)
        let shared = CacheLines.shared(between: made.map { $0.map { CacheLines.of($0) } })
        XCTAssertTrue(shared.isEmpty, "lines shared between loops: \(shared.prefix(8))")
    }

    func testMakeLocalRunsOnTheThreadThatRunsTheLoop() throws {
        let group = try EventLoopGroup(threadCount: 2)
        defer { group.shutdown() }
        let makers = group.loops.map { $0.makeLocal { UInt(pthread_self()) } }
        XCTAssertNotEqual(makers[0], makers[1])
        XCTAssertFalse(makers.contains(UInt(pthread_self())))
        group.start()
        let runners = group.loops.map { loop in runAndWait(on: loop) { UInt(pthread_self()) } }
        XCTAssertEqual(makers, runners)
        // Once the loops run, `makeLocal` makes on the caller's thread: it never waits on a loop.
        XCTAssertEqual(group.loops[1].makeLocal { UInt(pthread_self()) }, UInt(pthread_self()))
        XCTAssertEqual(runAndWait(on: group.loops[0]) { group.loops[0].makeLocal { UInt(pthread_self()) } }, runners[0])
    }

    func testAGroupNeverStartedEndsItsThreads() throws {
        let before = try loopThreads()
        let group = try EventLoopGroup(threadCount: 3)
        XCTAssertEqual(try loopThreads(), before + 3)
        group.shutdown()
        // Joined; /proc may list an ended thread a moment longer.
        let deadline = MonotonicClock.milliseconds() + 2_000
        while try loopThreads() != before && MonotonicClock.milliseconds() < deadline { usleep(1_000) }
        XCTAssertEqual(try loopThreads(), before)
    }

    /// This process's threads named as loops' threads are, as /proc lists them.
    private func loopThreads() throws -> Int {
        try procEntries("/proc/self/task").filter { id in
            guard let file = fopen("/proc/self/task/\(id)/comm", "r") else { return false }
            defer { fclose(file) }
            var name = [CChar](repeating: 0, count: 32)
            return fgets(&name, 32, file) != nil
                && String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("pushd-loop")
        }.count
    }

    func testALoopMadeAloneMakesLocalObjectsHere() throws {
        let loop = try EventLoop(index: 0)
        XCTAssertEqual(loop.makeLocal { UInt(pthread_self()) }, UInt(pthread_self()))
    }
}

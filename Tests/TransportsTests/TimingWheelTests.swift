import TestSupport
import XCTest
@testable import Transports

/// An object that is its own wheel entry, as a session is for its heartbeat: it notes when it
/// fired and may schedule itself again.
private final class Beat: TimerEntry {
    var fired: [Int64] = []
    var clock: () -> Int64 = { 0 }
    var next: ((Beat) -> Void)?
    override func timerFired() {
        fired.append(clock())
        next?(self)
    }
}

final class TimingWheelTests: XCTestCase {
    func testFiresAtOrAfterDeadlineNeverBefore() {
        let wheel = TimingWheel(now: 1_000, tickMilliseconds: 10, slotCount: 8)
        var fired: [Int] = []
        for (index, delay) in [5, 10, 15, 79, 80, 81, 500].enumerated() {
            _ = wheel.schedule(at: 1_000 + Int64(delay)) { fired.append(index) }
        }
        var now: Int64 = 1_000
        var firedAt: [Int: Int64] = [:]
        while now <= 1_600 {
            for timer in wheel.advance(to: now) {
                let before = fired.count
                timer.fire()
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

    /// The loop calls `advance` only once `nextTickAt` has come: a wheel advanced so fires
    /// what one advanced every millisecond fires, when it fires it.
    func testAdvancingOnlyFromTheNextTickFiresTheSame() {
        func run(onlyFromNextTick: Bool) -> [Int64: Int64] {
            let wheel = TimingWheel(now: 1_003, tickMilliseconds: 10, slotCount: 8)
            XCTAssertEqual(wheel.nextTickAt, 1_010)
            var fired: [Int64] = []
            for deadline: Int64 in [1_004, 1_010, 1_011, 1_020, 1_095, 1_200] {
                _ = wheel.schedule(at: deadline) { fired.append(deadline) }
            }
            var firedAt: [Int64: Int64] = [:]
            for now: Int64 in 1_003...1_300 {
                if onlyFromNextTick && now < wheel.nextTickAt { continue }
                for timer in wheel.advance(to: now) {
                    let before = fired.count
                    timer.fire()
                    for deadline in fired[before...] { firedAt[deadline] = now }
                }
                XCTAssertTrue(wheel.nextTickAt > now && wheel.nextTickAt <= now + 10, "next tick \(wheel.nextTickAt) at \(now)")
            }
            return firedAt
        }
        let everyMillisecond = run(onlyFromNextTick: false)
        XCTAssertEqual(everyMillisecond, [1_004: 1_010, 1_010: 1_010, 1_011: 1_020, 1_020: 1_020, 1_095: 1_100, 1_200: 1_200])
        XCTAssertEqual(run(onlyFromNextTick: true), everyMillisecond)
    }

    /// The loop sleeps until the first tick whose slot holds entries: a wheel advanced only
    /// then fires what one advanced every millisecond fires, when it fires it, with entries
    /// more than a revolution away, entries cancelled, and entries scheduled as others fire.
    func testWakingOnlyAtOccupiedTicksFiresTheSame() {
        func run(onlyAtOccupiedTicks: Bool) -> [String: Int64] {
            let wheel = TimingWheel(now: 1_003, tickMilliseconds: 10, slotCount: 8)
            XCTAssertNil(wheel.nextOccupiedTick)
            var firedAt: [String: Int64] = [:]
            var now: Int64 = 1_003
            func add(_ name: String, at deadline: Int64) {
                _ = wheel.schedule(at: deadline) {
                    firedAt[name] = now
                    // A timer that schedules a nearer one, as a session's timers do.
                    if name == "b" { add("b2", at: now + 3) }
                }
            }
            add("a", at: 1_045)
            add("b", at: 1_200)
            add("c", at: 1_500)   // more than a revolution (80 ms) away
            add("d", at: 1_012)
            let cancelled = wheel.schedule(at: 1_030) { firedAt["x"] = now }
            cancelled.cancel()
            while now <= 2_000 {
                for timer in wheel.advance(to: now) { timer.fire() }
                if onlyAtOccupiedTicks {
                    guard let tick = wheel.nextOccupiedTick else { break }
                    XCTAssertGreaterThan(tick * 10, now)
                    now = tick * 10
                } else {
                    now += 1
                }
            }
            return firedAt
        }
        let everyMillisecond = run(onlyAtOccupiedTicks: false)
        XCTAssertEqual(everyMillisecond, ["d": 1_020, "a": 1_050, "b": 1_200, "b2": 1_210, "c": 1_500])
        XCTAssertEqual(run(onlyAtOccupiedTicks: true), everyMillisecond)
    }

    func testTheNextOccupiedTickIsWhereTheFirstSlotWithEntriesIsVisited() {
        let wheel = TimingWheel(now: 1_000, tickMilliseconds: 10, slotCount: 8)
        XCTAssertNil(wheel.nextOccupiedTick)
        _ = wheel.schedule(at: 1_045) {}           // tick 105
        XCTAssertEqual(wheel.nextOccupiedTick, 105)
        _ = wheel.schedule(at: 1_500) {}           // tick 150, in the slot visited at tick 102
        XCTAssertEqual(wheel.nextOccupiedTick, 102)
        _ = wheel.advance(to: 1_020)               // visits tick 102: 150 is not due
        XCTAssertEqual(wheel.nextOccupiedTick, 105)
        _ = wheel.advance(to: 1_050)
        XCTAssertEqual(wheel.nextOccupiedTick, 110) // the far entry's slot, visited again
    }

    func testCancelledTimerNeverFiresAndIsSwept() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 16)
        var fired = false
        let timer = wheel.schedule(at: 50) { fired = true }
        timer.cancel()
        XCTAssertTrue(timer.isDone)
        for timer in wheel.advance(to: 1_000) { timer.fire() }
        XCTAssertFalse(fired)
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.millisecondsToNextTick(now: 1_000))
    }

    func testLongJumpFiresEverythingDueOnce() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 4)
        var count = 0
        for delay in stride(from: 10, through: 1_000, by: 10) {
            _ = wheel.schedule(at: Int64(delay)) { count += 1 }
        }
        // Jumping past many revolutions at once fires each timer exactly once.
        for timer in wheel.advance(to: 5_000) { timer.fire() }
        XCTAssertEqual(count, 100)
        for timer in wheel.advance(to: 10_000) { timer.fire() }
        XCTAssertEqual(count, 100)
    }

    func testTimerBeyondOneRevolutionWaitsForItsTick() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 4)
        var fired = false
        _ = wheel.schedule(at: 95) { fired = true }
        for timer in wheel.advance(to: 60) { timer.fire() }
        XCTAssertFalse(fired)
        for timer in wheel.advance(to: 100) { timer.fire() }
        XCTAssertTrue(fired)
    }

    func testCancelLeavesTheWheelAtOnce() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        let timers = (0..<5).map { _ in wheel.schedule(at: 25_000) {} }
        XCTAssertEqual(wheel.count, 5)
        timers[1].cancel()
        timers[4].cancel()
        XCTAssertEqual(wheel.count, 3)
        timers[1].cancel()
        XCTAssertEqual(wheel.count, 3)
        for timer in timers { timer.cancel() }
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.millisecondsToNextTick(now: 0))
    }

    func testRandomCancellationsLeaveTheRestFiringOnTime() {
        var random = SeededRandom(seed: 7)
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 16)
        var firedAt: [Int: Int64] = [:]
        var now: Int64 = 0
        var timers: [(index: Int, deadline: Int64, timer: Transports.Timer)] = []
        for index in 0..<2_000 {
            let deadline = Int64(random.next() % 3_000)
            let timer = wheel.schedule(at: deadline) { firedAt[index, default: -1] = firedAt[index] == nil ? now : -2 }
            timers.append((index, deadline, timer))
        }
        var cancelled = Set<Int>()
        for entry in timers.shuffled(using: &random) where random.next() % 2 == 0 {
            entry.timer.cancel()
            cancelled.insert(entry.index)
        }
        XCTAssertEqual(wheel.count, 2_000 - cancelled.count)
        while now <= 3_100 {
            for timer in wheel.advance(to: now) { timer.fire() }
            // Cancelling from inside the run (some timers already fired) is harmless too.
            if now == 1_500 { timers[0].timer.cancel() }
            now += 7
        }
        for entry in timers where !cancelled.contains(entry.index) {
            guard let at = firedAt[entry.index] else {
                if entry.index == 0 && entry.deadline > 1_500 { continue }
                return XCTFail("timer \(entry.index) never fired")
            }
            XCTAssertGreaterThanOrEqual(at, entry.deadline, "timer \(entry.index) fired early")
            XCTAssertLessThan(at, entry.deadline + 20, "timer \(entry.index) fired late")
        }
        XCTAssertTrue(cancelled.allSatisfy { firedAt[$0] == nil })
        XCTAssertEqual(wheel.count, 0)
    }

    func testATimerCancelledByAnotherDueInTheSameTickDoesNotRun() {
        // A session's connect timeout and its heartbeat can fall due together: the first closes
        // the session and cancels the second, which must then not run (it re-armed itself for
        // good before, holding the closed session).
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        var ran: [String] = []
        var heartbeat: Transports.Timer?
        _ = wheel.schedule(at: 45) {
            ran.append("connect timeout")
            heartbeat?.cancel()
        }
        heartbeat = wheel.schedule(at: 45) { ran.append("heartbeat") }
        for timer in wheel.advance(to: 50) { timer.fire() }
        XCTAssertEqual(ran, ["connect timeout"])
        XCTAssertEqual(wheel.count, 0)
    }

    func testSlotStorageShrinksAfterACrowdLeaves() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        let crowd = (0..<10_000).map { _ in wheel.schedule(at: 15) {} }
        XCTAssertGreaterThanOrEqual(wheel.slotCapacity, 10_000)
        for timer in crowd.dropFirst(100) { timer.cancel() }
        XCTAssertLessThan(wheel.slotCapacity, 1_000, "cancelled timers leave their slot's storage behind")
        for timer in wheel.advance(to: 20) { timer.fire() }
        XCTAssertEqual(wheel.count, 0)
        XCTAssertLessThan(wheel.slotCapacity, 8 * 64 + 1)
    }

    func testAnEntryFiresAtItsDeadlineMovesWhenScheduledAgainAndHoldsNothingOnceDone() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        var now: Int64 = 0
        var firedAt: [Int64] = []
        weak var weakBeat: Beat?
        do {
            let beat = Beat()
            weakBeat = beat
            wheel.schedule(beat, at: 95)
            // Moved before it is due: it fires at the new deadline only.
            wheel.schedule(beat, at: 205)
            XCTAssertEqual(wheel.count, 1)
            // It schedules itself again once, 300 ms on, from its own firing.
            beat.next = { entry in
                firedAt.append(now)
                if firedAt.count == 1 { wheel.schedule(entry, at: now + 300) }
            }
        }
        while now <= 1_000 {
            for entry in wheel.advance(to: now) { entry.fire() }
            now += 1
        }
        XCTAssertEqual(firedAt.count, 2)
        XCTAssertTrue((205..<225).contains(firedAt.first ?? 0), "fired at \(firedAt)")
        XCTAssertTrue(((firedAt.first ?? 0) + 300..<(firedAt.first ?? 0) + 320).contains(firedAt.last ?? 0), "fired at \(firedAt)")
        // The wheel held it while scheduled, and lets go of it once it has fired for good.
        XCTAssertNil(weakBeat, "the wheel kept an entry that had fired")
        XCTAssertEqual(wheel.count, 0)
    }

    func testAnEntryFiresWhereATimerWouldAndNotWhenCancelled() {
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        var now: Int64 = 0
        let beat = Beat(), cancelled = Beat()
        beat.clock = { now }
        var timerFiredAt: Int64?
        wheel.schedule(beat, at: 205)
        wheel.schedule(cancelled, at: 205)
        _ = wheel.schedule(at: 205) { timerFiredAt = now }
        wheel.cancel(cancelled)
        wheel.cancel(cancelled)
        XCTAssertEqual(wheel.count, 2)
        while now <= 400 {
            for entry in wheel.advance(to: now) { entry.fire() }
            now += 1
        }
        XCTAssertEqual(beat.fired, [timerFiredAt].compactMap { $0 })
        XCTAssertGreaterThanOrEqual(beat.fired.first ?? 0, 205)
        XCTAssertEqual(cancelled.fired, [])
        XCTAssertFalse(beat.isScheduled)
    }

    func testAnEntryCancelledOrMovedByAnotherDueInTheSameTickDoesNotRunThen() {
        // A session closed by a timer due in the same tick as its heartbeat takes itself off
        // the wheel: the heartbeat, already taken off to fire, must not run on the closed session.
        let wheel = TimingWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        var now: Int64 = 0
        let closed = Beat(), moved = Beat()
        closed.clock = { now }
        moved.clock = { now }
        _ = wheel.schedule(at: 45) {
            wheel.cancel(closed)
            wheel.schedule(moved, at: 300)
        }
        wheel.schedule(closed, at: 45)
        wheel.schedule(moved, at: 45)
        while now <= 400 {
            for entry in wheel.advance(to: now) { entry.fire() }
            now += 1
        }
        XCTAssertEqual(closed.fired, [])
        XCTAssertEqual(moved.fired.count, 1)
        XCTAssertGreaterThanOrEqual(moved.fired[0], 300)
        XCTAssertEqual(wheel.count, 0)
    }
}

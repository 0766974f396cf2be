import Glibc

/// A scheduled action on an event loop. Cancel it when it is no longer wanted. Loop-confined
/// like its wheel (see LoopConfined).
public final class Timer {
    /// Monotonic deadline in milliseconds.
    public let deadline: Int64
    @exclusivity(unchecked) fileprivate var action: (() -> Void)?
    /// Where the timer sits while pending. The wheel reference is dropped when the timer fires
    /// or leaves, so the cycle lasts no longer than the timer is pending.
    @exclusivity(unchecked) fileprivate var wheel: TimingWheel?
    /// Its slot and its place there: 32 bits each, so a timer takes 56 bytes (every session
    /// holds at least one).
    @exclusivity(unchecked) fileprivate var slot: Int32 = 0
    @exclusivity(unchecked) fileprivate var position: Int32 = 0

    init(deadline: Int64, action: @escaping () -> Void) {
        self.deadline = deadline
        self.action = action
    }

    /// Stops the timer from firing, releases its closure and takes it off the wheel, all at
    /// once. On the wheel's loop only (asserted): from another thread, hop there first.
    public func cancel() {
        if let wheel {
            assert(wheel.isOwnedByCaller(), "Timer.cancel called off its event loop")
            wheel.remove(self)
        }
        action = nil
    }

    /// Whether the timer was cancelled or has fired.
    public var isDone: Bool { action == nil }

    /// Runs the action unless the timer was cancelled meanwhile: timers due in the same tick
    /// run one after another, and one may cancel another (a session's close cancels its
    /// heartbeat), which then must not run.
    public func fire() {
        guard let action else { return }
        self.action = nil
        action()
    }
}

/// A hashed timing wheel: timers land in the slot of their tick and fire when the wheel passes
/// it. Adding and cancelling cost O(1), so every session can keep heartbeat and poll timers
/// without a heap or a thread. A cancelled timer leaves its slot at once (swapped with the
/// slot's last timer), so a crowd of sessions that came and went leaves nothing behind for a
/// revolution or more. Time is passed in, so the wheel is tested without sleeping.
/// Loop-confined (see LoopConfined); a test may own one without a loop.
public final class TimingWheel {
    public let tickMilliseconds: Int64
    @exclusivity(unchecked) private var slots: [[Timer]]
    @exclusivity(unchecked) private var currentTick: Int64
    /// Pending timers.
    @exclusivity(unchecked) public private(set) var count = 0
    /// Whether the calling thread may touch the wheel (its loop's check; tests own theirs).
    var isOwnedByCaller: () -> Bool = { true }

    public init(now: Int64, tickMilliseconds: Int64 = 10, slotCount: Int = 512) {
        self.tickMilliseconds = tickMilliseconds
        self.slots = Array(repeating: [], count: slotCount)
        self.currentTick = now / tickMilliseconds
    }

    /// Schedules `action` at `deadline` (ms); a deadline in the past fires on the next advance.
    public func schedule(at deadline: Int64, _ action: @escaping () -> Void) -> Timer {
        let tick = max(self.tick(of: deadline), currentTick + 1)
        let timer = Timer(deadline: deadline, action: action)
        let slot = Int(tick % Int64(slots.count))
        timer.wheel = self
        timer.slot = Int32(truncatingIfNeeded: slot)
        timer.position = Int32(truncatingIfNeeded: slots[slot].count)
        slots[slot].append(timer)
        count += 1
        return timer
    }

    /// The tick a deadline falls in, rounded up so a timer never fires early. A timer whose
    /// deadline has passed waits in the next tick's slot, and its rounded tick is due there.
    private func tick(of deadline: Int64) -> Int64 {
        (deadline + tickMilliseconds - 1) / tickMilliseconds
    }

    fileprivate func remove(_ timer: Timer) {
        guard timer.wheel === self else { return }
        let slot = Int(timer.slot)
        let last = slots[slot].removeLast()
        if last !== timer {
            slots[slot][Int(timer.position)] = last
            last.position = timer.position
        }
        timer.wheel = nil
        count -= 1
        shrinkIfSparse(slot)
    }

    /// Moves the wheel to `now` and returns the timers that expired, in order of their slots.
    /// The caller fires them (their actions may schedule or cancel timers).
    public func advance(to now: Int64) -> [Timer] {
        let target = now / tickMilliseconds
        guard target > currentTick else { return [] }
        var fired: [Timer] = []
        // A jump longer than a revolution visits every slot once.
        let steps = min(target - currentTick, Int64(slots.count))
        var tick = target - steps + 1
        while tick <= target {
            let index = Int(tick % Int64(slots.count))
            if !slots[index].isEmpty { sweep(index, dueBy: target, into: &fired) }
            tick += 1
        }
        currentTick = target
        return fired
    }

    /// Takes the due (and the cancelled) timers out of a slot in place, keeping the others in order.
    private func sweep(_ index: Int, dueBy target: Int64, into fired: inout [Timer]) {
        let total = slots[index].count
        var kept = 0
        for position in 0..<total {
            let timer = slots[index][position]
            if timer.action != nil && tick(of: timer.deadline) > target {
                slots[index][kept] = timer
                timer.position = Int32(truncatingIfNeeded: kept)
                kept += 1
                continue
            }
            timer.wheel = nil
            count -= 1
            if timer.action != nil { fired.append(timer) }
        }
        slots[index].removeLast(total - kept)
        shrinkIfSparse(index)
    }

    /// A slot's storage never shrinks by itself: a crowd of sessions whose timers passed
    /// through a slot would leave its capacity behind, and over a revolution in every slot.
    private func shrinkIfSparse(_ index: Int) {
        let capacity = slots[index].capacity
        guard capacity > 64, slots[index].count * 4 < capacity else { return }
        var smaller: [Timer] = []
        smaller.reserveCapacity(slots[index].count * 2)
        smaller.append(contentsOf: slots[index])
        slots[index] = smaller
    }

    /// Timers the slots have room for (their storage, for tests).
    var slotCapacity: Int { slots.reduce(0) { $0 + $1.capacity } }

    /// Milliseconds until the next tick boundary when any timer is pending, else nil.
    public func millisecondsToNextTick(now: Int64) -> Int64? {
        guard count > 0 else { return nil }
        return max(1, (currentTick + 1) * tickMilliseconds - now)
    }
}

/// A timer scheduled on an event loop. Cancelling is O(1): the wheel drops it when its slot
/// comes round.
public final class Timer {
    /// Monotonic deadline in milliseconds.
    public let deadline: Int64
    fileprivate let tick: Int64
    fileprivate var action: (() -> Void)?

    init(deadline: Int64, tick: Int64, action: @escaping () -> Void) {
        self.deadline = deadline
        self.tick = tick
        self.action = action
    }

    /// Stops the timer from firing; releases its closure at once.
    public func cancel() { action = nil }

    /// Whether the timer was cancelled or has fired.
    public var isDone: Bool { action == nil }
}

/// A hashed timing wheel: timers land in the slot of their tick and fire when the wheel passes
/// it. Adding and cancelling cost O(1), so every session can keep heartbeat and poll timers
/// without a heap or a thread. Time is passed in, so the wheel is tested without sleeping.
public struct TimingWheel {
    public let tickMilliseconds: Int64
    private var slots: [[Timer]]
    private var currentTick: Int64
    /// Timers held in slots, cancelled ones included until swept.
    public private(set) var count = 0

    public init(now: Int64, tickMilliseconds: Int64 = 10, slotCount: Int = 512) {
        self.tickMilliseconds = tickMilliseconds
        self.slots = Array(repeating: [], count: slotCount)
        self.currentTick = now / tickMilliseconds
    }

    /// Schedules `action` at `deadline` (ms); a deadline in the past fires on the next advance.
    public mutating func schedule(at deadline: Int64, _ action: @escaping () -> Void) -> Timer {
        // Round up so a timer never fires early.
        let tick = max((deadline + tickMilliseconds - 1) / tickMilliseconds, currentTick + 1)
        let timer = Timer(deadline: deadline, tick: tick, action: action)
        slots[Int(tick % Int64(slots.count))].append(timer)
        count += 1
        return timer
    }

    /// Moves the wheel to `now` and returns the actions of the timers that expired, in order of
    /// their slots. The caller runs them (they may schedule new timers).
    public mutating func advance(to now: Int64) -> [() -> Void] {
        let target = now / tickMilliseconds
        guard target > currentTick else { return [] }
        var fired: [() -> Void] = []
        // A jump longer than a revolution visits every slot once.
        let steps = min(target - currentTick, Int64(slots.count))
        var tick = target - steps + 1
        while tick <= target {
            let index = Int(tick % Int64(slots.count))
            if !slots[index].isEmpty {
                var kept: [Timer] = []
                for timer in slots[index] {
                    guard let action = timer.action else { count -= 1; continue }
                    if timer.tick <= target {
                        timer.action = nil
                        count -= 1
                        fired.append(action)
                    } else {
                        kept.append(timer)
                    }
                }
                slots[index] = kept
            }
            tick += 1
        }
        currentTick = target
        return fired
    }

    /// Milliseconds until the next tick boundary when any timer is pending, else nil.
    public func millisecondsToNextTick(now: Int64) -> Int64? {
        guard count > 0 else { return nil }
        return max(1, (currentTick + 1) * tickMilliseconds - now)
    }
}

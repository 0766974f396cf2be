import Glibc

/// What a timing wheel holds until its deadline: a `Timer`, which runs a closure, or an object
/// that waits on one deadline at a time for its whole life and is its own entry, which saves
/// it a Timer: a session's heartbeat (64 bytes a session). Loop-confined like its wheel (see
/// LoopConfined).
public class TimerEntry {
    /// Monotonic deadline in milliseconds, while scheduled.
    @exclusivity(unchecked) fileprivate(set) var wheelDeadline: Int64 = 0
    /// Its slot while pending (32 bits, with its place there), `TimerEntry.idle` when not on a
    /// wheel, `TimerEntry.due` once taken off to fire in this tick and not yet fired (an entry
    /// fired before it in the same tick may cancel it).
    @exclusivity(unchecked) fileprivate var slot: Int32 = TimerEntry.idle
    @exclusivity(unchecked) fileprivate var position: Int32 = 0

    fileprivate static let idle: Int32 = -1
    fileprivate static let due: Int32 = -2

    /// Whether the entry waits on a wheel or is due to fire.
    var isScheduled: Bool { slot != Self.idle }

    /// Runs `timerFired` if the entry is due: not cancelled, not rescheduled since it was
    /// taken off the wheel.
    public func fire() {
        guard slot == Self.due else { return }
        slot = Self.idle
        timerFired()
    }

    /// What the entry does at its deadline.
    func timerFired() {}
}

/// A scheduled action on an event loop. Cancel it when it is no longer wanted.
public final class Timer: TimerEntry {
    @exclusivity(unchecked) fileprivate var action: (() -> Void)?
    /// The wheel it is on, for `cancel`; dropped when it fires or leaves, so the cycle lasts no
    /// longer than the timer is pending. With the entry's fields a timer takes 56 bytes.
    @exclusivity(unchecked) fileprivate var wheel: TimingWheel?

    /// Monotonic deadline in milliseconds.
    public var deadline: Int64 { wheelDeadline }

    init(deadline: Int64, action: @escaping () -> Void) {
        self.action = action
        super.init()
        wheelDeadline = deadline
    }

    /// Stops the timer from firing, releases its closure and takes it off the wheel, all at
    /// once. On the wheel's loop only (asserted): from another thread, hop there first.
    public func cancel() {
        if let wheel {
            assert(wheel.isOwnedByCaller(), "Timer.cancel called off its event loop")
            wheel.cancel(self)
            self.wheel = nil
        }
        action = nil
    }

    /// Whether the timer was cancelled or has fired.
    public var isDone: Bool { action == nil }

    override func timerFired() {
        wheel = nil
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
    @exclusivity(unchecked) private var slots: [[TimerEntry]]
    @exclusivity(unchecked) private var currentTick: Int64
    /// When the next tick begins (ms): before then `advance` has nothing to do, which the loop
    /// checks without a call on every iteration.
    public var nextTickAt: Int64 { (currentTick &+ 1) &* tickMilliseconds }
    /// The first tick whose slot holds entries, once found (`unknownTick` until then): where the
    /// loop sets its wake-up. Moved earlier by `schedule`, forgotten by `advance`; a cancel
    /// leaves it, which costs at most a wake-up that finds nothing due.
    @exclusivity(unchecked) private var occupiedTick = TimingWheel.unknownTick
    private static let unknownTick = Int64.min
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
        let timer = Timer(deadline: deadline, action: action)
        timer.wheel = self
        schedule(timer, at: deadline)
        return timer
    }

    /// Puts `entry` on the wheel at `deadline`, taking it off first if it waits already (or
    /// was due and had not fired: it then fires at the new deadline only). The wheel holds it
    /// until it fires or is cancelled.
    func schedule(_ entry: TimerEntry, at deadline: Int64) {
        cancel(entry)
        let tick = max(self.tick(of: deadline), currentTick + 1)
        let slot = Int(tick % Int64(slots.count))
        entry.wheelDeadline = deadline
        entry.slot = Int32(truncatingIfNeeded: slot)
        entry.position = Int32(truncatingIfNeeded: slots[slot].count)
        slots[slot].append(entry)
        count += 1
        if occupiedTick != Self.unknownTick { occupiedTick = min(occupiedTick, visit(slot)) }
    }

    /// The first tick from now on at which `advance` visits the slot at `index` (an entry due
    /// more than a revolution away sits in a slot visited before it is due).
    private func visit(_ index: Int) -> Int64 {
        let first = currentTick + 1
        let count = Int64(slots.count)
        return first + ((Int64(index) - first % count) % count + count) % count
    }

    /// The first tick whose slot holds entries, nil when the wheel is empty: the loop has
    /// nothing to do for its timers before it begins. Found by a walk over the empty slots
    /// since the last advance, each of which would otherwise have cost the loop a wake-up.
    public var nextOccupiedTick: Int64? {
        guard count > 0 else { return nil }
        if occupiedTick == Self.unknownTick {
            var tick = currentTick + 1
            while slots[Int(tick % Int64(slots.count))].isEmpty && tick <= currentTick + Int64(slots.count) { tick += 1 }
            occupiedTick = tick
        }
        return occupiedTick
    }

    /// Takes `entry` off the wheel (or keeps it from firing, if it is due in this tick).
    func cancel(_ entry: TimerEntry) {
        if entry.slot == TimerEntry.due { entry.slot = TimerEntry.idle }
        guard entry.slot >= 0 else { return }
        let slot = Int(entry.slot)
        let last = slots[slot].removeLast()
        if last !== entry {
            slots[slot][Int(entry.position)] = last
            last.position = entry.position
        }
        entry.slot = TimerEntry.idle
        count -= 1
        shrinkIfSparse(slot)
    }

    /// The tick a deadline falls in, rounded up so a timer never fires early. A timer whose
    /// deadline has passed waits in the next tick's slot, and its rounded tick is due there.
    private func tick(of deadline: Int64) -> Int64 {
        (deadline + tickMilliseconds - 1) / tickMilliseconds
    }

    /// Moves the wheel to `now` and returns the entries that expired, in order of their slots.
    /// The caller fires them (their actions may schedule or cancel entries).
    public func advance(to now: Int64) -> [TimerEntry] {
        let target = now / tickMilliseconds
        guard target > currentTick else { return [] }
        var fired: [TimerEntry] = []
        // A jump longer than a revolution visits every slot once.
        let steps = min(target - currentTick, Int64(slots.count))
        var tick = target - steps + 1
        while tick <= target {
            let index = Int(tick % Int64(slots.count))
            if !slots[index].isEmpty { sweep(index, dueBy: target, into: &fired) }
            tick += 1
        }
        currentTick = target
        occupiedTick = Self.unknownTick
        return fired
    }

    /// Takes the due entries out of a slot in place, keeping the others in order.
    private func sweep(_ index: Int, dueBy target: Int64, into fired: inout [TimerEntry]) {
        let total = slots[index].count
        var kept = 0
        for position in 0..<total {
            let entry = slots[index][position]
            if tick(of: entry.wheelDeadline) > target {
                slots[index][kept] = entry
                entry.position = Int32(truncatingIfNeeded: kept)
                kept += 1
                continue
            }
            entry.slot = TimerEntry.due
            count -= 1
            fired.append(entry)
        }
        slots[index].removeLast(total - kept)
        shrinkIfSparse(index)
    }

    /// A slot's storage never shrinks by itself: a crowd of sessions whose timers passed
    /// through a slot would leave its capacity behind, and over a revolution in every slot.
    private func shrinkIfSparse(_ index: Int) {
        let capacity = slots[index].capacity
        guard capacity > 64, slots[index].count * 4 < capacity else { return }
        var smaller: [TimerEntry] = []
        smaller.reserveCapacity(slots[index].count * 2)
        smaller.append(contentsOf: slots[index])
        slots[index] = smaller
    }

    /// Timers the slots have room for (their storage, for tests).
    var slotCapacity: Int { slots.reduce(0) { $0 + $1.capacity } }

    /// Milliseconds until the next tick boundary when any timer is pending, else nil (a wait's
    /// timeout, for a loop without a tick timer).
    public func millisecondsToNextTick(now: Int64) -> Int64? {
        guard count > 0 else { return nil }
        return max(1, nextTickAt - now)
    }
}

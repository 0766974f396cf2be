import PushCore

/// A simulated round trip for the demo page: every HTTP response and stream write of one
/// session waits the same time, in order, so a page can show how each transport fares far from
/// its server. Off (0) unless an application sets it.
/// The delay of one session and the writes waiting it out; made when an application first
/// sets a delay, so the sessions that never have one carry only an empty reference.
final class SimulatedDelay {
    var milliseconds: Int64 = 0
    /// Writes waiting out the delay, in order.
    var waiting: [(due: Int64, write: () -> Void)] = []
    var timer: Timer?
}

extension EngineSocket {
    /// The longest delay a session may be given.
    public static let maxSimulatedDelay: Int64 = 500

    /// Delays this session's responses and stream writes by `milliseconds` (0 to 500) from now on.
    public func setSimulatedDelay(_ milliseconds: Int64) {
        loop.assertInLoop()
        let delay = simulatedDelay ?? SimulatedDelay()
        delay.milliseconds = min(max(milliseconds, 0), Self.maxSimulatedDelay)
        simulatedDelay = delay
    }

    /// Whether a write must wait (a delay is set, or earlier writes still wait and order counts).
    var isDelaying: Bool {
        guard let delay = simulatedDelay else { return false }
        return delay.milliseconds > 0 || !delay.waiting.isEmpty
    }

    /// Runs `write` after the delay, and after every write queued before it.
    func afterSimulatedDelay(_ write: @escaping () -> Void) {
        guard let delay = simulatedDelay else { write(); return }
        let due = max(loop.now + delay.milliseconds, delay.waiting.last?.due ?? 0)
        delay.waiting.append((due, write))
        if delay.timer == nil { armDelayTimer(delay) }
    }

    private func armDelayTimer(_ delay: SimulatedDelay) {
        guard let first = delay.waiting.first else { return }
        // Strong, like the heartbeat: the session's close runs what waits and cancels this.
        delay.timer = loop.schedule(after: max(0, first.due - loop.now)) { [self] in
            delay.timer = nil
            let now = self.loop.now
            var ready = 0
            while ready < delay.waiting.count, delay.waiting[ready].due <= now { ready += 1 }
            let writes = delay.waiting.prefix(ready)
            delay.waiting.removeFirst(ready)
            for entry in writes { entry.write() }
            self.armDelayTimer(delay)
        }
    }

    /// Runs every waiting write now (the session is closing: no request may stay unanswered).
    func flushDelayedWrites() {
        guard let delay = simulatedDelay else { return }
        delay.timer?.cancel()
        delay.timer = nil
        let writes = delay.waiting
        delay.waiting = []
        for entry in writes { entry.write() }
    }
}

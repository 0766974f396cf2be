import PushCore

/// A simulated round trip for the demo page: every HTTP response and stream write of one
/// session waits the same time, in order, so a page can show how each transport fares far from
/// its server. Off (0) unless an application sets it.
extension EngineSocket {
    /// The longest delay a session may be given.
    public static let maxSimulatedDelay: Int64 = 500

    /// Delays this session's responses and stream writes by `milliseconds` (0 to 500) from now on.
    public func setSimulatedDelay(_ milliseconds: Int64) {
        loop.assertInLoop()
        simulatedDelay = min(max(milliseconds, 0), Self.maxSimulatedDelay)
    }

    /// Whether a write must wait (a delay is set, or earlier writes still wait and order counts).
    var isDelaying: Bool { simulatedDelay > 0 || !delayedWrites.isEmpty }

    /// Runs `write` after the delay, and after every write queued before it.
    func afterSimulatedDelay(_ write: @escaping () -> Void) {
        let due = max(loop.now + simulatedDelay, delayedWrites.last?.due ?? 0)
        delayedWrites.append((due, write))
        if delayTimer == nil { armDelayTimer() }
    }

    private func armDelayTimer() {
        guard let first = delayedWrites.first else { return }
        // Strong, like the heartbeat: the session's close runs what waits and cancels this.
        delayTimer = loop.schedule(after: max(0, first.due - loop.now)) { [self] in
            self.delayTimer = nil
            let now = self.loop.now
            var ready = 0
            while ready < self.delayedWrites.count, self.delayedWrites[ready].due <= now { ready += 1 }
            let writes = self.delayedWrites.prefix(ready)
            self.delayedWrites.removeFirst(ready)
            for entry in writes { entry.write() }
            self.armDelayTimer()
        }
    }

    /// Runs every waiting write now (the session is closing: no request may stay unanswered).
    func flushDelayedWrites() {
        delayTimer?.cancel()
        delayTimer = nil
        let writes = delayedWrites
        delayedWrites = []
        for entry in writes { entry.write() }
    }
}

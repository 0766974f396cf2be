import PushCore

/// One event loop's counters and lag histogram. Touched only on the loop's thread (the
/// message path adds to plain integers, no atomics); a scrape reads them from that thread.
/// Loop-confined, so stored properties skip the runtime's exclusivity checks.
public final class LoopMetrics: @unchecked Sendable {
    @exclusivity(unchecked) public var counters = LoopCounters()
    /// How late the loop ran its lag probe's timers; nil while no probe runs.
    @exclusivity(unchecked) public private(set) var lag: LatencyHistogram?
    @exclusivity(unchecked) private var probe: Timer?

    init() {}

    /// Starts measuring the loop's lag with a timer every `interval` ms on its timing wheel.
    /// Loop thread only.
    func startLagProbe(on loop: EventLoop, interval: Int64) {
        loop.assertInLoop()
        guard probe == nil else { return }
        lag = LatencyHistogram(bounds: LatencyHistogram.loopLagBounds)
        scheduleProbe(on: loop, interval: interval)
    }

    private func scheduleProbe(on loop: EventLoop, interval: Int64) {
        // A deadline on a tick boundary: the wheel fires it as soon as the loop sees that
        // millisecond, so what is measured is the loop's delay, not the wheel's rounding.
        let tick = loop.timerTickMilliseconds
        let deadline = (loop.now + interval + tick - 1) / tick * tick
        probe = loop.schedule(after: deadline - loop.now) { [unowned self, unowned loop] in
            let late = MonotonicClock.microseconds() - deadline * 1000
            lag?.observe(Double(max(0, late)) / 1_000_000)
            scheduleProbe(on: loop, interval: interval)
        }
    }

    /// Stops the probe. Loop thread only.
    func stopLagProbe() {
        probe?.cancel()
        probe = nil
    }
}

import Synchronization

/// The backend HTTP clients of every loop, and what they share: the process-wide bound on
/// requests in flight and on requests waiting, and the counters. Safe from any thread.
package final class HTTPClientGroup: @unchecked Sendable {
    package let configuration: HTTPClientConfiguration
    private var clients: [HTTPClient] = []
    private let inFlight = Atomic<Int>(0)
    private let waiting = Atomic<Int>(0)
    /// Requests refused because slots and queue were full, since start.
    package let overloadedCount = Atomic<Int>(0)
    /// Requests that found every slot busy and waited, since start.
    package let queuedCount = Atomic<Int>(0)
    private let queuedSinceLog = Atomic<Int>(0)
    private let lastQueueLog = Atomic<Int64>(Int64.min)
    private let overloadedSinceLog = Atomic<Int>(0)
    private let lastOverloadLog = Atomic<Int64>(Int64.min)
    /// Minimum time between two overload log lines, in milliseconds.
    package var logInterval: Int64 = 10_000

    package init(loops: [EventLoop], configuration: HTTPClientConfiguration) {
        self.configuration = configuration
        clients = loops.map { loop in loop.makeLocal { HTTPClient(loop: loop, group: self) } }
    }

    /// The client of `loop`.
    package func client(on loop: EventLoop) -> HTTPClient { clients[loop.index] }

    /// Requests in flight now, in the whole process.
    package var inFlightCount: Int { inFlight.load(ordering: .relaxed) }
    /// Requests waiting for a slot now.
    package var waitingCount: Int { waiting.load(ordering: .relaxed) }

    func acquireSlot() -> Bool {
        var current = inFlight.load(ordering: .relaxed)
        while current < configuration.concurrency {
            let (exchanged, original) = inFlight.compareExchange(expected: current, desired: current + 1,
                                                                 ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A slot goes back to the process; loops with waiting requests are told.
    func releaseSlot(from client: HTTPClient) {
        inFlight.subtract(1, ordering: .acquiringAndReleasing)
        guard waiting.load(ordering: .relaxed) > 0 else { return }
        for other in clients where other !== client {
            other.loop.execute { other.takeFreedSlots() }
        }
    }

    func enqueue() -> Bool {
        var current = waiting.load(ordering: .relaxed)
        while current < configuration.queueLimit {
            let (exchanged, original) = waiting.compareExchange(expected: current, desired: current + 1,
                                                                ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Counts a request that waits for a slot and logs, at most once per interval, how many did.
    func noteQueued() {
        queuedCount.add(1, ordering: .relaxed)
        queuedSinceLog.add(1, ordering: .relaxed)
        let now = MonotonicClock.milliseconds()
        let last = lastQueueLog.load(ordering: .relaxed)
        guard last == Int64.min || now - last >= logInterval,
              lastQueueLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        let count = queuedSinceLog.exchange(0, ordering: .relaxed)
        Log.warning("backend requests: \(count) waited for a slot (\(configuration.concurrency) in flight; "
            + "--hook-concurrency)")
    }

    func dequeued() {
        waiting.subtract(1, ordering: .relaxed)
    }

    /// Counts a refused request and logs, at most once per interval, how many there were.
    func noteOverloaded() {
        overloadedCount.add(1, ordering: .relaxed)
        overloadedSinceLog.add(1, ordering: .relaxed)
        let now = MonotonicClock.milliseconds()
        let last = lastOverloadLog.load(ordering: .relaxed)
        guard last == Int64.min || now - last >= logInterval,
              lastOverloadLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        let count = overloadedSinceLog.exchange(0, ordering: .relaxed)
        Log.warning("backend requests: \(count) refused at once (\(configuration.concurrency) in flight and "
            + "\(configuration.queueLimit) waiting; raise --hook-concurrency or --hook-queue)")
    }
}

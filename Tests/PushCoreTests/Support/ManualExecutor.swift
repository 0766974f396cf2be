@testable import PushCore

/// An event loop the test drives by hand: `execute` tasks wait until `runPending()`, timers fire
/// only when `advance(by:)` moves the clock past them. `inEventLoop` is true, so the socket
/// layer's "run now when on the loop" paths run at once; set it false to act as another thread.
///
/// ```swift
/// let loop = ManualExecutor()
/// let server = SocketServer(executors: [loop])
/// ...
/// loop.advance(by: 45_000)   // the connect timeout fires
/// ```
final class ManualExecutor: SocketExecutor, @unchecked Sendable {
    let index: Int
    /// Whether the caller counts as this loop's thread.
    var inEventLoop = true
    /// The clock, in milliseconds since the executor was made.
    private(set) var now: Int64 = 0
    private var queue: [@Sendable () -> Void] = []
    private var timers: [ManualTimer] = []
    private var nextSequence = 0

    init(index: Int = 0) {
        self.index = index
    }

    /// Tasks queued by `execute` and not run yet.
    var pendingTaskCount: Int { queue.count }

    /// Timers scheduled, not fired and not cancelled.
    var activeTimerCount: Int { timers.count(where: { !$0.isCancelled && !$0.hasFired }) }

    func execute(_ task: @escaping @Sendable () -> Void) {
        queue.append(task)
    }

    func scheduleTimer(after milliseconds: Int64, _ action: @escaping () -> Void) -> SocketTimer {
        nextSequence += 1
        let timer = ManualTimer(deadline: now + max(0, milliseconds), sequence: nextSequence, action: action)
        timers.append(timer)
        return timer
    }

    /// Runs queued tasks, including those they queue, until none is left.
    func runPending() {
        while !queue.isEmpty {
            let task = queue.removeFirst()
            task()
        }
    }

    /// Moves the clock forward, firing each timer that falls due in deadline order (running
    /// queued tasks before and after each one).
    func advance(by milliseconds: Int64) {
        let target = now + milliseconds
        runPending()
        while let due = timers.filter({ !$0.isCancelled && !$0.hasFired && $0.deadline <= target })
            .min(by: { ($0.deadline, $0.sequence) < ($1.deadline, $1.sequence) }) {
            now = due.deadline
            due.fire()
            runPending()
        }
        timers.removeAll { $0.isCancelled || $0.hasFired }
        now = target
    }
}

/// A timer of `ManualExecutor`.
final class ManualTimer: SocketTimer {
    let deadline: Int64
    let sequence: Int
    private let action: () -> Void
    private(set) var isCancelled = false
    private(set) var hasFired = false

    init(deadline: Int64, sequence: Int, action: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.action = action
    }

    func cancel() { isCancelled = true }

    func fire() {
        hasFired = true
        action()
    }
}

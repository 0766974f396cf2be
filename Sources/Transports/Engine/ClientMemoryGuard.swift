import PushCore

/// Keeps the bytes held for clients under the node's budget (`--max-client-memory`). Nothing
/// is shared on the message path: each loop sums its own sessions' holdings when asked; one
/// loop asks every loop once per `interval` and, while the node is over the budget, closes the
/// largest holders, each on its own loop, with a logged reason.
final class ClientMemoryGuard: Sendable {
    let budget: MemoryBudget
    let loops: [EventLoop]
    let engine: EngineServer
    let interval: Int64
    /// Holders each loop reports: enough to bring the node back under its budget in one round
    /// unless thousands of small holders make the excess (then the next rounds take more).
    static let reportedPerLoop = 64

    private struct Round {
        var pending = 0
        var total = 0
        var candidates: [MemoryBudget.Holder<EngineSocket>] = []
    }
    /// Loops report at once: a pthread mutex, which ThreadSanitizer follows (see PThreadMutex).
    private let round = PThreadMutex(Round())

    init(limit: Int, loops: [EventLoop], engine: EngineServer, interval: Int64 = 500) {
        self.budget = MemoryBudget(limit: limit)
        self.loops = loops
        self.engine = engine
        self.interval = interval
    }

    func start() {
        guard budget.limit > 0, let first = loops.first else { return }
        first.execute { [self] in scheduleRound() }
    }

    private func scheduleRound() {
        _ = loops[0].schedule(after: interval) { [self] in sample() }
    }

    private func sample() {
        round.withLock { $0 = Round(pending: loops.count) }
        for loop in loops {
            loop.execute { [self] in
                let (total, largest) = engine.holdings(on: loop, largest: Self.reportedPerLoop)
                let finished = round.withLock { round -> Round? in
                    round.total += total
                    round.candidates += largest
                    round.pending -= 1
                    return round.pending == 0 ? round : nil
                }
                if let finished { decide(finished) }
            }
        }
    }

    private func decide(_ finished: Round) {
        let limit = budget.limit
        for victim in budget.victims(total: finished.total, candidates: finished.candidates) {
            let socket = victim.id
            socket.loop.execute { socket.evictForMemoryBudget(held: victim.bytes, limit: limit) }
        }
        loops[0].execute { [self] in scheduleRound() }
    }
}

import Synchronization

/// Remembers idempotency keys for a while, so a retried API call delivers once.
public protocol IdempotencyStore: AnyObject, Sendable {
    /// Calls `completion(true)` when `key` is new (and remembers it), `false` when it was seen
    /// within the window. `now` is in milliseconds.
    func claim(_ key: String, now: Int64, completion: @escaping @Sendable (Bool) -> Void)
}

/// Keys seen in the last `window` milliseconds, in memory (one process). Holds at most
/// `capacity` keys: past it the oldest are forgotten early, so memory stays bounded whatever
/// callers send.
public final class IdempotencyWindow: IdempotencyStore {
    private struct State {
        var expiry: [String: Int64] = [:]
        /// Keys in the order they were claimed, with their expiry; `head` is the oldest live one.
        var order: [(key: String, expiresAt: Int64)] = []
        var head = 0
    }

    public let window: Int64
    public let capacity: Int
    private let state = Mutex(State())

    public init(window: Int64 = 120_000, capacity: Int = 100_000) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// Keys remembered now.
    public var count: Int { state.withLock { $0.expiry.count } }

    public func claim(_ key: String, now: Int64, completion: @escaping @Sendable (Bool) -> Void) {
        completion(claim(key, now: now))
    }

    /// The synchronous form of `claim`.
    public func claim(_ key: String, now: Int64) -> Bool {
        state.withLock { state in
            Self.expire(&state, now: now, capacity: capacity)
            if let expiresAt = state.expiry[key], expiresAt > now { return false }
            state.expiry[key] = now + window
            state.order.append((key, now + window))
            return true
        }
    }

    private static func expire(_ state: inout State, now: Int64, capacity: Int) {
        while state.head < state.order.count {
            let oldest = state.order[state.head]
            guard oldest.expiresAt <= now || state.expiry.count >= capacity else { break }
            // A key claimed again later has a newer entry further on; drop only the current one.
            if state.expiry[oldest.key] == oldest.expiresAt { state.expiry[oldest.key] = nil }
            state.head += 1
        }
        if state.head > 1024 && state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}

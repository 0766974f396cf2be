/// A token bucket: `rate` events per second on average, bursts up to `burst`. Time is passed
/// in (milliseconds), so it is tested without sleeping.
@usableFromInline package struct RateLimiter: Sendable {
    // Narrow fields, largest first: every WebSocket and polling session holds a limiter, and its
    // owner's next one-byte field fits in the tail.
    private var updatedAt: Int64
    private var storedTokens: Float
    @usableFromInline let storedRate: Int32
    private let storedBurst: Int32

    private var tokens: Double {
        get { Double(storedTokens) }
        set { storedTokens = Float(newValue) }
    }

    package var rate: Int { Int(storedRate) }
    package var burst: Int { Int(storedBurst) }

    /// A rate of 0 means unlimited.
    package init(rate: Int, burst: Int? = nil, now: Int64) {
        self.storedRate = Int32(clamping: rate)
        self.storedBurst = Int32(clamping: max(1, burst ?? rate))
        self.storedTokens = Float(storedBurst)
        self.updatedAt = now
    }

    /// Asked per message: inlined where the transports read.
    @inlinable @inline(__always)
    package var isUnlimited: Bool { storedRate <= 0 }

    /// Takes `count` tokens; returns 0 when allowed now, else the milliseconds until the bucket
    /// holds enough again (the tokens are taken anyway: the caller waits that long).
    package mutating func take(_ count: Int = 1, now: Int64) -> Int64 {
        guard rate > 0 else { return 0 }
        refill(now)
        tokens -= Double(count)
        if tokens >= 0 { return 0 }
        return Int64((-tokens / Double(rate) * 1000).rounded(.up))
    }

    private mutating func refill(_ now: Int64) {
        let elapsed = max(0, now - updatedAt)
        updatedAt = now
        tokens = min(Double(burst), tokens + Double(elapsed) * Double(rate) / 1000)
    }

    /// Takes as many of `count` tokens as the bucket holds now; returns how many it took.
    package mutating func takeAvailable(_ count: Int, now: Int64) -> Int {
        guard rate > 0 else { return count }
        refill(now)
        let taken = min(count, max(0, Int(tokens)))
        tokens -= Double(taken)
        return taken
    }

    /// Milliseconds until the bucket holds `count` tokens (at most a burst); 0 if it does now.
    package mutating func delay(until count: Int, now: Int64) -> Int64 {
        guard rate > 0 else { return 0 }
        refill(now)
        let missing = Double(min(count, burst)) - tokens
        return missing <= 0 ? 0 : Int64((missing / Double(rate) * 1000).rounded(.up))
    }
}

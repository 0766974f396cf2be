/// Delivery of lifecycle records, at least once and in order, as an I/O-free state machine.
///
/// Records are appended as encoded JSON objects, each with a sequence number. `poll(now:)`
/// says what to do: send a batch (up to `maxBatch` records, once that many wait or the oldest
/// waited `batchDelay` ms), wake up at a time, or nothing. One batch is in flight at a time;
/// `delivered` drops its records, `failed` keeps them and schedules a retry of the same head of
/// the queue after an exponential backoff with jitter (`minBackoff` doubling up to `maxBackoff`,
/// each delay drawn from its upper half). Past `capacity` the oldest records are dropped and
/// counted: the caller logs them, never silently.
package struct LifecycleOutbox: Sendable {
    /// Batching, retry and capacity settings.
    package struct Configuration: Sendable {
        package var maxBatch = 100
        package var batchDelay: Int64 = 100
        package var minBackoff: Int64 = 100
        package var maxBackoff: Int64 = 30_000
        package var capacity = 100_000

        package init() {}
    }

    /// One record waiting for delivery.
    struct Entry: Sendable {
        let sequence: UInt64
        let json: [UInt8]
        let appendedAt: Int64
    }

    /// A batch to post: its body and the last sequence number in it.
    package struct Batch: Sendable, Equatable {
        package let lastSequence: UInt64
        package let count: Int
        /// `{"events":[...]}`.
        package let body: [UInt8]
    }

    /// What the caller does next.
    package enum Action: Sendable, Equatable {
        /// Post this batch, then report `delivered` or `failed`.
        case send(Batch)
        /// Poll again at this time (or when a record is appended).
        case wake(at: Int64)
        /// Nothing to do until a record is appended or a batch is reported.
        case idle
    }

    package let configuration: Configuration
    private var entries: [Entry] = []
    private var head = 0
    private var nextSequence: UInt64 = 1
    private var inFlight: Batch?
    private var retryAt: Int64?
    private var attempts = 0
    private var random: UInt64

    /// Records delivered, dropped past capacity, and batches retried, since start.
    package private(set) var deliveredCount = 0
    package private(set) var droppedCount = 0
    package private(set) var retryCount = 0

    /// - Parameter seed: seeds the jitter (any value; tests pass a fixed one).
    package init(configuration: Configuration = .init(), seed: UInt64) {
        var checked = configuration
        checked.maxBatch = max(1, configuration.maxBatch)
        checked.capacity = max(1, configuration.capacity)
        checked.minBackoff = max(1, configuration.minBackoff)
        checked.maxBackoff = max(checked.minBackoff, configuration.maxBackoff)
        self.configuration = checked
        random = seed | 1
    }

    /// Records waiting (the batch in flight included).
    package var pendingCount: Int { entries.count - head }

    /// Whether a batch is out and not yet reported.
    package var isSending: Bool { inFlight != nil }

    /// The sequence number the next appended record gets.
    package var upcomingSequence: UInt64 { nextSequence }

    /// Queues a record (one JSON object's bytes); returns its sequence number and how many of
    /// the oldest records were dropped to make room.
    @discardableResult
    package mutating func append(_ json: [UInt8], now: Int64) -> (sequence: UInt64, dropped: Int) {
        let sequence = nextSequence
        nextSequence &+= 1
        entries.append(Entry(sequence: sequence, json: json, appendedAt: now))
        var dropped = 0
        while pendingCount > configuration.capacity {
            head += 1
            dropped += 1
        }
        droppedCount += dropped
        compact()
        return (sequence, dropped)
    }

    /// The oldest sequence number still waiting, if any (what a persistent copy may trim below).
    package var oldestSequence: UInt64? { head < entries.count ? entries[head].sequence : nil }

    /// Calls `body` with every waiting record, oldest first (to copy them again after a store lost them).
    package func forEachPending(_ body: (_ sequence: UInt64, _ json: [UInt8]) -> Void) {
        for index in head..<entries.count { body(entries[index].sequence, entries[index].json) }
    }

    /// What to do at `now`.
    package mutating func poll(now: Int64) -> Action {
        if inFlight != nil { return .idle }
        guard head < entries.count else { return .idle }
        if let retryAt {
            if now < retryAt { return .wake(at: retryAt) }
            self.retryAt = nil
            return .send(makeBatch())
        }
        let due = entries[head].appendedAt + configuration.batchDelay
        if pendingCount >= configuration.maxBatch || now >= due { return .send(makeBatch()) }
        return .wake(at: due)
    }

    /// The batch in flight was answered 2xx: its records are done.
    package mutating func delivered(_ batch: Batch) {
        guard inFlight == batch else { return }
        inFlight = nil
        attempts = 0
        while head < entries.count && entries[head].sequence <= batch.lastSequence {
            head += 1
            deliveredCount += 1
        }
        compact()
    }

    /// The batch in flight failed: it is retried (with whatever joined the head of the queue)
    /// after the next backoff.
    package mutating func failed(_ batch: Batch, now: Int64) {
        guard inFlight == batch else { return }
        inFlight = nil
        attempts += 1
        retryCount += 1
        retryAt = now + backoff()
    }

    /// The delay before retry number `attempts`: the doubled base capped at `maxBackoff`,
    /// drawn uniformly from its upper half.
    mutating func backoff() -> Int64 {
        let shift = min(attempts - 1, 40)
        let base = min(configuration.maxBackoff, configuration.minBackoff << Int64(shift))
        let half = base / 2
        return base - half + Int64(nextRandom() % UInt64(half + 1))
    }

    private mutating func nextRandom() -> UInt64 {
        // xorshift64*: plenty for spreading retries.
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        return random &* 0x2545_F491_4F6C_DD1D
    }

    private mutating func makeBatch() -> Batch {
        let end = min(entries.count, head + configuration.maxBatch)
        var body = Array("{\"events\":[".utf8)
        var size = 0
        for index in head..<end { size += entries[index].json.count + 1 }
        body.reserveCapacity(body.count + size + 2)
        for index in head..<end {
            if index > head { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: entries[index].json)
        }
        body.append(contentsOf: Array("]}".utf8))
        let batch = Batch(lastSequence: entries[end - 1].sequence, count: end - head, body: body)
        inFlight = batch
        return batch
    }

    private mutating func compact() {
        if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count <= 4096)
            head = 0
        } else if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}

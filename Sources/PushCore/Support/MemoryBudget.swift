/// The node-wide budget for bytes held for clients: which holders to close when the node is
/// over it. Pure: the loops report what they hold, this picks, the loops close.
public struct MemoryBudget: Sendable {
    /// Bytes all clients together may make the node hold; 0: no budget.
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    /// One holder as a loop reports it.
    public struct Holder<ID>: Sendable where ID: Sendable {
        public let id: ID
        public let bytes: Int
        public init(id: ID, bytes: Int) {
            self.id = id
            self.bytes = bytes
        }
    }

    /// The holders to close, largest first, until what is left fits: `total` is what every
    /// client holds, `candidates` the largest holders the loops reported (not necessarily all).
    public func victims<ID>(total: Int, candidates: [Holder<ID>]) -> [Holder<ID>] {
        guard limit > 0, total > limit else { return [] }
        var over = total - limit
        var chosen: [Holder<ID>] = []
        for holder in candidates.sorted(by: { $0.bytes > $1.bytes }) where holder.bytes > 0 {
            guard over > 0 else { break }
            chosen.append(holder)
            over -= holder.bytes
        }
        return chosen
    }

    /// The `capacity` largest holders of those offered (what one loop reports): a loop offers
    /// every session it holds bytes for, and this keeps a few, rather than sorting them all
    /// (at 10,000 sessions the sort and its arrays were a seventh of a broadcast's instructions).
    public struct Largest<ID>: Sendable where ID: Sendable {
        public let capacity: Int
        /// Ascending by bytes, at most `capacity`.
        @usableFromInline var kept: [Holder<ID>] = []

        public init(_ capacity: Int) {
            self.capacity = max(0, capacity)
        }

        /// Keeps a holder of `bytes` if it is among the largest so far; `id` is made only then.
        @inlinable
        public mutating func offer(bytes: Int, id: () -> ID) {
            guard capacity > 0 else { return }
            if kept.count == capacity {
                guard bytes > kept[0].bytes else { return }
                kept.removeFirst()
            }
            var index = kept.count
            while index > 0 && kept[index - 1].bytes > bytes { index -= 1 }
            kept.insert(Holder(id: id(), bytes: bytes), at: index)
        }

        /// What was kept, largest first.
        public var holders: [Holder<ID>] { kept.reversed() }
    }
}

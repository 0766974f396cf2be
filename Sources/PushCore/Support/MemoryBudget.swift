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

    /// The `count` largest of `holders` (what one loop reports), largest first.
    public static func largest<ID>(_ count: Int, of holders: [Holder<ID>]) -> [Holder<ID>] {
        Array(holders.sorted { $0.bytes > $1.bytes }.prefix(count))
    }
}

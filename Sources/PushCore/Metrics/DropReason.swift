/// Why a packet or a session was dropped, as `pushd_dropped_total{reason}` names it.
public enum DropReason: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// A volatile packet the client was not ready for.
    case volatile
    /// A session closed because its queue passed the limit.
    case slowConsumer
    /// A message refused for going over the message rate.
    case rateLimit
    /// A holder evicted to keep the node under its client memory budget.
    case memoryBudget

    /// The label value: stable, for dashboards and alerts.
    public var description: String {
        switch self {
        case .volatile: "volatile"
        case .slowConsumer: "slow_consumer"
        case .rateLimit: "rate_limit"
        case .memoryBudget: "memory_budget"
        }
    }
}

/// One count per drop reason.
public struct DropCounts: Sendable, Equatable {
    public var volatile = 0
    public var slowConsumer = 0
    public var rateLimit = 0
    public var memoryBudget = 0

    public init() {}

    public subscript(reason: DropReason) -> Int {
        get {
            switch reason {
            case .volatile: volatile
            case .slowConsumer: slowConsumer
            case .rateLimit: rateLimit
            case .memoryBudget: memoryBudget
            }
        }
        set {
            switch reason {
            case .volatile: volatile = newValue
            case .slowConsumer: slowConsumer = newValue
            case .rateLimit: rateLimit = newValue
            case .memoryBudget: memoryBudget = newValue
            }
        }
    }

    public mutating func add(_ other: DropCounts) {
        for reason in DropReason.allCases { self[reason] += other[reason] }
    }
}

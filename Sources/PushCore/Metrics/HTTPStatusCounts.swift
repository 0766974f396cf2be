/// Responses counted by status code, in a fixed table indexed by the code (no hashing per
/// response).
public struct HTTPStatusCounts: Sendable, Equatable {
    private var table: [Int]

    public init() {
        table = Array(repeating: 0, count: 600)
    }

    /// Counts one response; codes outside 100...599 are not counted.
    @inline(__always)
    public mutating func record(_ status: Int) {
        guard status >= 100 && status < 600 else { return }
        table[status] += 1
    }

    public subscript(status: Int) -> Int { status >= 0 && status < 600 ? table[status] : 0 }

    public mutating func add(_ other: HTTPStatusCounts) {
        for status in 100..<600 where other.table[status] != 0 { table[status] += other.table[status] }
    }

    /// The codes seen so far with their counts, ascending.
    public var nonZero: [(status: Int, count: Int)] {
        (100..<600).compactMap { table[$0] == 0 ? nil : ($0, table[$0]) }
    }
}

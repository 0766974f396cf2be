/// Header (or trailer) fields in the order received, names as sent, looked up case-insensitively.
public struct HTTPHeaders: Sendable, Sequence, Equatable {
    /// One field: name as received, value trimmed of surrounding whitespace.
    public typealias Element = (name: String, value: String)

    var fields: [Element] = []

    /// An empty set of fields.
    public init() {}

    /// Fields from `(name, value)` pairs, in order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// Number of fields (repeated names count once per line).
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        for field in fields where asciiCaseInsensitiveEqual(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { asciiCaseInsensitiveEqual($0.name, name) ? $0.value : nil }
    }

    /// Whether any `name` field holds `token` in its comma-separated list (case-insensitive),
    /// e.g. `contains("Connection", token: "upgrade")`.
    public func contains(_ name: String, token: String) -> Bool {
        for field in fields where asciiCaseInsensitiveEqual(field.name, name) {
            for element in field.value.split(separator: ",", omittingEmptySubsequences: true) {
                var utf8 = element.utf8[...]
                while let first = utf8.first, HTTPBytes.isWhitespace(first) { utf8 = utf8.dropFirst() }
                while let last = utf8.last, HTTPBytes.isWhitespace(last) { utf8 = utf8.dropLast() }
                if asciiCaseInsensitiveEqual(utf8, token) { return true }
            }
        }
        return false
    }

    /// Appends a field (no validation here: the response writer checks what it writes).
    public mutating func add(name: String, value: String) {
        // Most requests carry a handful of fields: one allocation instead of several regrowths.
        if fields.isEmpty { fields.reserveCapacity(16) }
        fields.append((name: name, value: value))
    }

    /// Iterates fields in received order.
    public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    /// Same fields in the same order.
    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        guard a.fields.count == b.fields.count else { return false }
        for (x, y) in zip(a.fields, b.fields) where x.name != y.name || x.value != y.value { return false }
        return true
    }
}

/// Header (or trailer) fields in the order received, names as sent, looked up case-insensitively.
///
/// Fields are kept as bytes in one buffer plus an array of offsets (two allocations per head, not
/// two per field); Strings are made only when a name or value is asked for.
public struct HTTPHeaders: Sendable, Sequence, Equatable {
    /// One field: name as received, value trimmed of surrounding whitespace.
    public typealias Element = (name: String, value: String)

    /// Field bytes: names and values, with whatever separated them on the wire.
    var storage: [UInt8] = []
    /// Per field, offsets into `storage`: name start, name end, value start, value end. 32 bits
    /// are plenty (a header block is at most a few hundred KiB) and halve what a kept head costs.
    var ends: [UInt32] = []

    /// An empty set of fields.
    public init() {}

    /// Fields from `(name, value)` pairs, in order.
    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { add(name: name, value: value) }
    }

    /// Number of fields (repeated names count once per line).
    public var count: Int { ends.count >> 2 }

    /// Whether there are no fields.
    public var isEmpty: Bool { ends.isEmpty }

    /// The bytes the fields take as `Name: value` lines, each ended by CRLF: what a client
    /// writing the single-space form sent. Counted from the offsets, without making Strings.
    public var lineByteCount: Int {
        var total = 0
        for i in 0..<count { total &+= offset(i, 1) &- offset(i, 0) &+ offset(i, 3) &- offset(i, 2) &+ 4 }
        return total
    }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        var found: String?
        forEachIndex(named: name) { i in
            found = value(at: i)
            return false
        }
        return found
    }

    /// Every value of `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        var values: [String] = []
        forEachIndex(named: name) { i in
            values.append(value(at: i))
            return true
        }
        return values
    }

    /// Whether any `name` field holds `token` in its comma-separated list (case-insensitive),
    /// e.g. `contains("Connection", token: "upgrade")`.
    public func contains(_ name: String, token: String) -> Bool {
        var token = token
        return token.withUTF8 { tokenBytes in
            storage.withUnsafeBytes { raw in
                var found = false
                forEachIndex(named: name) { i in
                    HTTPBytes.forEachListElement(raw, offset(i, 2), offset(i, 3)) { s, e in
                        if !found && Self.equalsIgnoringCase(raw, s, e, tokenBytes) { found = true }
                    }
                    return !found
                }
                return found
            }
        }
    }

    /// Calls `body` with the index of each field named `name` (case-insensitive), in order,
    /// while it answers true. The name's bytes are taken once and fields of another length
    /// are passed over on their offsets alone.
    @inline(__always)
    func forEachIndex(named name: String, _ body: (Int) -> Bool) {
        HTTPBytes.withUTF8Bytes(of: name) { wanted in
            storage.withUnsafeBufferPointer { stored in
                for i in 0..<count {
                    let start = offset(i, 0), end = offset(i, 1)
                    guard end &- start == wanted.count,
                          HTTPBytes.equalsIgnoringCase(UnsafeBufferPointer(rebasing: stored[start..<end]), wanted) else { continue }
                    if !body(i) { return }
                }
            }
        }
    }

    /// Appends a field (no validation here: the response writer checks what it writes).
    public mutating func add(name: String, value: String) {
        ends.append(UInt32(storage.count))
        storage.append(contentsOf: name.utf8)
        ends.append(UInt32(storage.count))
        ends.append(UInt32(storage.count))
        storage.append(contentsOf: value.utf8)
        ends.append(UInt32(storage.count))
    }

    /// The same fields in storage of exactly their size, for heads kept as long as a session.
    public func compacted() -> HTTPHeaders {
        var copy = HTTPHeaders()
        copy.storage = Self.exactCopy(storage)
        copy.ends = Self.exactCopy(ends)
        return copy
    }

    private static func exactCopy<T>(_ array: [T]) -> [T] {
        [T](unsafeUninitializedCapacity: array.count) { buffer, count in
            _ = buffer.initialize(fromContentsOf: array)
            count = array.count
        }
    }

    /// Records a field whose bytes `storage` will hold at these offsets (the parser copies the
    /// whole block at once when it is complete).
    mutating func appendOffsets(_ nameStart: Int, _ nameEnd: Int, _ valueStart: Int, _ valueEnd: Int) {
        if ends.isEmpty { ends.reserveCapacity(64) }
        ends.append(UInt32(truncatingIfNeeded: nameStart))
        ends.append(UInt32(truncatingIfNeeded: nameEnd))
        ends.append(UInt32(truncatingIfNeeded: valueStart))
        ends.append(UInt32(truncatingIfNeeded: valueEnd))
    }

    /// The name of field `i` (0-based, `i < count`).
    public func name(at i: Int) -> String {
        String(decoding: nameBytes(i), as: UTF8.self)
    }

    /// The value of field `i` (0-based, `i < count`).
    public func value(at i: Int) -> String {
        String(decoding: valueBytes(i), as: UTF8.self)
    }

    /// Iterates fields in received order, making their Strings as it goes.
    public func makeIterator() -> Iterator { Iterator(headers: self) }

    /// Yields `(name, value)` pairs.
    public struct Iterator: IteratorProtocol {
        let headers: HTTPHeaders
        var index = 0

        /// The next field, or nil after the last.
        public mutating func next() -> Element? {
            guard index < headers.count else { return nil }
            defer { index &+= 1 }
            return (name: headers.name(at: index), value: headers.value(at: index))
        }
    }

    /// Same names and values in the same order, byte for byte.
    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.nameBytes(i) != b.nameBytes(i) || a.valueBytes(i) != b.valueBytes(i) {
            return false
        }
        return true
    }

    /// Offset `k` of field `i` (0 name start, 1 name end, 2 value start, 3 value end).
    @inline(__always) func offset(_ i: Int, _ k: Int) -> Int { Int(ends[4 &* i &+ k]) }

    func nameBytes(_ i: Int) -> ArraySlice<UInt8> { storage[offset(i, 0)..<offset(i, 1)] }
    func valueBytes(_ i: Int) -> ArraySlice<UInt8> { storage[offset(i, 2)..<offset(i, 3)] }

    static func equalsIgnoringCase(
        _ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ other: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard end &- start == other.count else { return false }
        guard let base = raw.baseAddress, let wanted = other.baseAddress else { return true }
        return HTTPBytes.equalsIgnoringCase(base + start, UnsafeRawPointer(wanted), count: other.count)
    }
}

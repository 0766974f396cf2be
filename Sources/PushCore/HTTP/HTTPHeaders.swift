/// Header (or trailer) fields in the order received, names as sent, looked up case-insensitively.
///
/// A head's fields are one buffer: their bytes, then a table of offsets into them (one
/// allocation per head, not two per field); Strings are made only when a name or value is
/// asked for.
public struct HTTPHeaders: Sendable, Sequence, Equatable {
    /// One field: name as received, value trimmed of surrounding whitespace.
    public typealias Element = (name: String, value: String)

    /// The field bytes (names and values, with whatever separated them on the wire), then per
    /// field four 32-bit offsets into them (name start, name end, value start, value end),
    /// then the count of fields; empty when there are none. 32 bits are plenty: a header
    /// block is at most a few hundred KiB.
    var storage: [UInt8] = []

    /// An empty set of fields.
    public init() {}

    /// Fields from `(name, value)` pairs, in order.
    public init(_ pairs: [(String, String)]) {
        append(pairs)
    }

    /// The fields of a block the parser validated: `fieldCount` lines of `name ":" OWS value
    /// OWS`, each ended by LF or CRLF. Their offsets are found again here, in one pass over
    /// bytes already known good, so the parser keeps no table while the block arrives.
    init(parsedBlock block: UnsafeRawBufferPointer, fieldCount: Int) {
        guard fieldCount > 0, block.baseAddress != nil else { return }
        let tableCount = 16 &* fieldCount &+ 4
        // Grown from empty, then appended to: `init(unsafeUninitializedCapacity:)` found the
        // storage's type through the runtime's generic metadata lookup, about 500 instructions
        // a head, where growing a byte array is specialized.
        storage.reserveCapacity(block.count &+ tableCount)
        storage.append(contentsOf: block)
        withUnsafeTemporaryAllocation(byteCount: tableCount, alignment: 4) { table in
            var lineStart = 0
            var row = 0
            for _ in 0..<fieldCount {
                let lf = HTTPBytes.firstLF(block, from: lineStart, to: block.count) ?? block.count
                let end = HTTPBytes.contentEnd(block, lineStart, lf)
                var nameEnd = lineStart
                while nameEnd < end && block[nameEnd] != HTTPBytes.colon { nameEnd &+= 1 }
                let value = HTTPBytes.trimmed(block, Swift.min(nameEnd &+ 1, end), end)
                Self.storeRow(table, row, lineStart, nameEnd, value.lowerBound, value.upperBound)
                row &+= 16
                lineStart = lf &+ 1
            }
            table.storeBytes(of: UInt32(truncatingIfNeeded: fieldCount), toByteOffset: row, as: UInt32.self)
            storage.append(contentsOf: UnsafeRawBufferPointer(table))
        }
    }

    /// Number of fields (repeated names count once per line).
    public var count: Int { withFields(\.count) }

    /// Whether there are no fields.
    public var isEmpty: Bool { storage.isEmpty }

    /// Bytes of the fields as received, without the table after them.
    var fieldByteCount: Int { withFields(\.fieldBytes) }

    /// The offsets of the fields, read in place from `storage`.
    struct FieldTable {
        /// The whole storage: offsets index it from its start.
        let raw: UnsafeRawBufferPointer
        let count: Int
        private let table: Int

        @inline(__always)
        init(_ raw: UnsafeRawBufferPointer) {
            self.raw = raw
            count = raw.count < 4 ? 0 : Int(raw.loadUnaligned(fromByteOffset: raw.count &- 4, as: UInt32.self))
            table = raw.count &- 4 &- 16 &* count
        }

        /// Offset `k` of field `i` (0 name start, 1 name end, 2 value start, 3 value end).
        @inline(__always)
        func offset(_ i: Int, _ k: Int) -> Int {
            Int(raw.loadUnaligned(fromByteOffset: table &+ 16 &* i &+ 4 &* k, as: UInt32.self))
        }

        /// The bytes before the table.
        var fieldBytes: Int { count == 0 ? 0 : table }
    }

    /// Calls `body` with the fields' table over their bytes.
    @inline(__always)
    func withFields<Result>(_ body: (FieldTable) -> Result) -> Result {
        storage.withUnsafeBytes { body(FieldTable($0)) }
    }

    /// The bytes the fields take as `Name: value` lines, each ended by CRLF: what a client
    /// writing the single-space form sent. Counted from the offsets, without making Strings.
    public var lineByteCount: Int {
        withFields { fields in
            var total = 0
            for i in 0..<fields.count {
                total &+= fields.offset(i, 1) &- fields.offset(i, 0) &+ fields.offset(i, 3) &- fields.offset(i, 2) &+ 4
            }
            return total
        }
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
            withFields { fields in
                var found = false
                forEachIndex(named: name, in: fields) { i in
                    HTTPBytes.forEachListElement(fields.raw, fields.offset(i, 2), fields.offset(i, 3)) { s, e in
                        if !found && Self.equalsIgnoringCase(fields.raw, s, e, tokenBytes) { found = true }
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
        withFields { forEachIndex(named: name, in: $0, body) }
    }

    @inline(__always)
    private func forEachIndex(named name: String, in fields: FieldTable, _ body: (Int) -> Bool) {
        HTTPBytes.withUTF8Bytes(of: name) { wanted in
            for i in 0..<fields.count {
                let start = fields.offset(i, 0), end = fields.offset(i, 1)
                guard Self.equalsIgnoringCase(fields.raw, start, end, wanted) else { continue }
                if !body(i) { return }
            }
        }
    }

    /// Appends a field (no validation here: the response writer checks what it writes).
    public mutating func add(name: String, value: String) {
        append([(name, value)])
    }

    /// Appends fields: the buffer is made again with them, its bytes and table in place.
    private mutating func append(_ pairs: [(String, String)]) {
        guard !pairs.isEmpty else { return }
        let old = storage
        let added = pairs.reduce(0) { $0 &+ $1.0.utf8.count &+ $1.1.utf8.count }
        storage = old.withUnsafeBytes { oldRaw in
            let previous = FieldTable(oldRaw)
            let bytes = previous.fieldBytes &+ added
            let fieldCount = previous.count &+ pairs.count
            let total = bytes &+ 16 &* fieldCount &+ 4
            return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
                let out = UnsafeMutableRawBufferPointer(buffer)
                var at = previous.fieldBytes
                if at > 0 { out.baseAddress!.copyMemory(from: oldRaw.baseAddress!, byteCount: at) }
                var row = bytes
                if previous.count > 0 {
                    (out.baseAddress! + row).copyMemory(from: oldRaw.baseAddress! + previous.fieldBytes, byteCount: 16 &* previous.count)
                    row &+= 16 &* previous.count
                }
                func copy(_ text: String) {
                    HTTPBytes.withUTF8Bytes(of: text) { utf8 in
                        if let source = utf8.baseAddress, utf8.count > 0 {
                            (out.baseAddress! + at).copyMemory(from: source, byteCount: utf8.count)
                        }
                        at &+= utf8.count
                    }
                }
                for (name, value) in pairs {
                    let nameStart = at
                    copy(name)
                    let valueStart = at
                    copy(value)
                    Self.storeRow(out, row, nameStart, valueStart, valueStart, at)
                    row &+= 16
                }
                out.storeBytes(of: UInt32(truncatingIfNeeded: fieldCount), toByteOffset: total &- 4, as: UInt32.self)
                initialized = total
            }
        }
    }

    @inline(__always)
    private static func storeRow(_ out: UnsafeMutableRawBufferPointer, _ row: Int, _ nameStart: Int, _ nameEnd: Int,
                                 _ valueStart: Int, _ valueEnd: Int) {
        out.storeBytes(of: UInt32(truncatingIfNeeded: nameStart), toByteOffset: row, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: nameEnd), toByteOffset: row &+ 4, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: valueStart), toByteOffset: row &+ 8, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: valueEnd), toByteOffset: row &+ 12, as: UInt32.self)
    }

    /// The same fields in storage of exactly their size, for heads kept as long as a session.
    public func compacted() -> HTTPHeaders {
        var copy = HTTPHeaders()
        copy.storage = [UInt8](unsafeUninitializedCapacity: storage.count) { buffer, count in
            _ = buffer.initialize(fromContentsOf: storage)
            count = storage.count
        }
        return copy
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
    @inline(__always) func offset(_ i: Int, _ k: Int) -> Int { withFields { $0.offset(i, k) } }

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

/// Decoding of `application/x-www-form-urlencoded` queries ("a=1&b=%20x+y").
package enum QueryString {
    /// Splits `query` into decoded (name, value) pairs in order: '&' separates pairs (empty ones
    /// are skipped), the first '=' separates name and value (none: value ""), '+' means space.
    /// nil if any escape is malformed, decodes to NUL, or yields invalid UTF-8.
    package static func parse(_ query: String) -> [(String, String)]? {
        var query = query
        return query.withUTF8 { bytes in
            var pairs: [(String, String)] = []
            pairs.reserveCapacity(bytes.reduce(1) { $1 == UInt8(ascii: "&") ? $0 &+ 1 : $0 })
            var failed = false
            forEachPair(bytes) { rawName, rawValue in
                guard let name = PercentDecoding.decode(rawName, plusAsSpace: true),
                      let value = PercentDecoding.decode(rawValue, plusAsSpace: true) else {
                    failed = true
                    return false
                }
                pairs.append((name, value))
                return true
            }
            return failed ? nil : pairs
        }
    }

    /// Whether a raw name or value has anything to decode ("%" or "+"): most have not, and
    /// are compared as bytes.
    static func needsDecoding(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        HTTPBytes.containsEither(UInt8(ascii: "%"), UInt8(ascii: "+"), in: UnsafeRawBufferPointer(raw))
    }

    /// Whether a raw name or value decodes.
    static func decodes(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        !raw.contains(UInt8(ascii: "%")) || PercentDecoding.decode(raw, plusAsSpace: true) != nil
    }

    /// The decoded value of the first pair named `name`, or nil if there is none or its value is
    /// malformed. Other pairs are not validated, so a bad escape elsewhere does not hide it.
    package static func value(_ name: String, in query: String) -> String? {
        var query = query
        return query.withUTF8 { bytes in
            HTTPBytes.withUTF8Bytes(of: name) { wanted in
                var found: String?
                forEachPair(bytes) { rawName, rawValue in
                    let matches = needsDecoding(rawName)
                        ? PercentDecoding.decode(rawName, plusAsSpace: true) == name
                        : rawName.count == wanted.count && rawName.elementsEqual(wanted)
                    guard matches else { return true }
                    found = PercentDecoding.decode(rawValue, plusAsSpace: true)
                    return false
                }
                return found
            }
        }
    }

    /// Calls `body` with each non-empty pair's raw name and value, in order, until it returns
    /// false.
    static func forEachPair(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        var pairs = Pairs(bytes)
        while let (name, value) = pairs.next() {
            if !body(name, value) { return }
        }
    }

    /// The non-empty pairs of a query's bytes, raw name and value, in order: for a reader that
    /// keeps what it reads in locals no closure captures.
    struct Pairs {
        private let bytes: UnsafeBufferPointer<UInt8>
        private var start = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func next() -> (name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)? {
            // Eight bytes per step: a query is tens of bytes, and a byte loop cost more than the
            // rest of its reading.
            let raw = UnsafeRawBufferPointer(bytes)
            while start < bytes.count {
                let end = HTTPBytes.first(UInt8(ascii: "&"), in: raw, from: start, to: bytes.count) ?? bytes.count
                defer { start = end &+ 1 }
                guard end > start else { continue }
                let nameEnd = HTTPBytes.first(UInt8(ascii: "="), in: raw, from: start, to: end) ?? end
                let valueStart = nameEnd < end ? nameEnd &+ 1 : end
                return (UnsafeBufferPointer(rebasing: bytes[start..<nameEnd]), UnsafeBufferPointer(rebasing: bytes[valueStart..<end]))
            }
            return nil
        }
    }
}

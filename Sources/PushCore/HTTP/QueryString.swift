/// Decoding of `application/x-www-form-urlencoded` queries ("a=1&b=%20x+y").
package enum QueryString {
    /// Splits `query` into decoded (name, value) pairs in order: '&' separates pairs (empty ones
    /// are skipped), the first '=' separates name and value (none: value ""), '+' means space.
    /// nil if any escape is malformed, decodes to NUL, or yields invalid UTF-8.
    package static func parse(_ query: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for segment in query.utf8.split(separator: UInt8(ascii: "&")) {
            let (rawName, rawValue) = split(segment)
            guard let name = PercentDecoding.decode(rawName, plusAsSpace: true),
                  let value = PercentDecoding.decode(rawValue, plusAsSpace: true) else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// The decoded value of the first pair named `name`, or nil if there is none or its value is
    /// malformed. Other pairs are not validated, so a bad escape elsewhere does not hide it.
    package static func value(_ name: String, in query: String) -> String? {
        for segment in query.utf8.split(separator: UInt8(ascii: "&")) {
            let (rawName, rawValue) = split(segment)
            // Most names need no decoding: compare bytes without building a String.
            let needsDecoding = rawName.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }
            let matches = needsDecoding
                ? PercentDecoding.decode(rawName, plusAsSpace: true) == name
                : rawName.elementsEqual(name.utf8)
            if matches { return PercentDecoding.decode(rawValue, plusAsSpace: true) }
        }
        return nil
    }

    private static func split(_ segment: Substring.UTF8View) -> (Substring.UTF8View, Substring.UTF8View) {
        guard let eq = segment.firstIndex(of: UInt8(ascii: "=")) else {
            return (segment, segment[segment.endIndex...])
        }
        return (segment[..<eq], segment[segment.index(after: eq)...])
    }
}

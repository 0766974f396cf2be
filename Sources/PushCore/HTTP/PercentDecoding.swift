/// Percent-decoding (RFC 3986 §2.1) for path segments, shared with query decoding.
package enum PercentDecoding {
    /// Decodes %XX in a path segment ('+' stays '+'); nil on a malformed escape, on %00, or when
    /// the result is not valid UTF-8. The result is not interpreted: "%2F" gives "/" and
    /// "%2e%2e" gives "..", so callers mapping segments to files must reject those themselves.
    package static func decode(_ s: Substring) -> String? {
        decode(s.utf8, plusAsSpace: false)
    }

    /// Decodes `bytes` (already valid UTF-8, being a String's view); `plusAsSpace` for queries.
    static func decode(_ bytes: Substring.UTF8View, plusAsSpace: Bool) -> String? {
        let percent = UInt8(ascii: "%")
        let plus = UInt8(ascii: "+")
        // Fast path: nothing to decode, and the bytes are a valid String already.
        if !bytes.contains(where: { $0 == percent || (plusAsSpace && $0 == plus) }) {
            return String(Substring(bytes))
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == percent {
                let h = bytes.index(after: i)
                guard h != bytes.endIndex, let high = HTTPBytes.hexValue(bytes[h]) else { return nil }
                let l = bytes.index(after: h)
                guard l != bytes.endIndex, let low = HTTPBytes.hexValue(bytes[l]) else { return nil }
                let decoded = UInt8(high &* 16 &+ low)
                if decoded == 0 { return nil }  // NUL has no business in a name, value or path
                out.append(decoded)
                i = bytes.index(after: l)
            } else {
                out.append(plusAsSpace && b == plus ? HTTPBytes.sp : b)
                i = bytes.index(after: i)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}

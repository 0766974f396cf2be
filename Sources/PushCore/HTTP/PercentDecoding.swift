/// Percent-decoding (RFC 3986 §2.1) for path segments, shared with query decoding.
package enum PercentDecoding {
    /// Decodes %XX in a path segment ('+' stays '+'); nil on a malformed escape, on %00, or when
    /// the result is not valid UTF-8. The result is not interpreted: "%2F" gives "/" and
    /// "%2e%2e" gives "..", so callers mapping segments to files must reject those themselves.
    package static func decode(_ s: Substring) -> String? {
        var s = s
        return s.withUTF8 { decode($0, plusAsSpace: false) }
    }

    /// Decodes `bytes` (valid UTF-8: a String's); `plusAsSpace` for queries.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool) -> String? {
        let percent = UInt8(ascii: "%")
        let plus = UInt8(ascii: "+")
        // Fast path: nothing to decode, and the bytes are a valid String already.
        if !bytes.contains(where: { $0 == percent || (plusAsSpace && $0 == plus) }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == percent {
                guard i &+ 2 < bytes.count, let high = HTTPBytes.hexValue(bytes[i &+ 1]),
                      let low = HTTPBytes.hexValue(bytes[i &+ 2]) else { return nil }
                let decoded = UInt8(high &* 16 &+ low)
                if decoded == 0 { return nil }  // NUL has no business in a name, value or path
                out.append(decoded)
                i &+= 3
            } else {
                out.append(plusAsSpace && b == plus ? HTTPBytes.sp : b)
                i &+= 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}

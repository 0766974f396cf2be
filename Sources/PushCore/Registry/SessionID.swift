/// Engine.IO session ids: 160 random bits from the OS CSPRNG as 27 base64url characters
/// ("-" and "_", no padding), optionally prefixed by a node tag and "." so a future cluster
/// mode can route a request to the node that owns the session without any lookup:
/// `q3Lx6Q.7hB0...` (tag "q3Lx6Q", random part 27 characters). "." is not in the base64url
/// alphabet, so the split is unambiguous, and it needs no escaping in a query string.
package enum SessionID {
    /// Random bytes per id: 160 bits makes guessing a live id hopeless.
    package static let randomByteCount = 20
    /// Characters of the random part (ceil(160 / 6)).
    package static let randomLength = 27
    /// The most node-tag bytes `make` accepts (43 characters once encoded).
    package static let maxNodeTagBytes = 32

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let separator = UInt8(ascii: ".")

    /// A fresh session id, prefixed with `nodeTag` (base64url + ".") when it is not empty.
    ///
    /// Randomness comes from `SystemRandomNumberGenerator`, which on Linux reads the kernel
    /// CSPRNG through getrandom(2), so ids are unpredictable, not merely unique. `nodeTag` is
    /// configuration, at most `maxNodeTagBytes` bytes.
    package static func make(nodeTag: [UInt8] = []) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(nodeTag: nodeTag, using: &generator)
    }

    /// A session id drawn from `generator` (tests pass a seeded one; servers use `make(nodeTag:)`).
    package static func make<Generator: RandomNumberGenerator>(
        nodeTag: [UInt8] = [], using generator: inout Generator
    ) -> String {
        precondition(nodeTag.count <= maxNodeTagBytes, "node tag longer than \(maxNodeTagBytes) bytes")
        var random: [UInt8] = []
        random.reserveCapacity(24)
        for _ in 0..<3 {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { random.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        var out: [UInt8] = []
        out.reserveCapacity((nodeTag.count * 4 + 2) / 3 + 1 + randomLength)
        if !nodeTag.isEmpty {
            appendBase64URL(nodeTag, into: &out)
            out.append(separator)
        }
        appendBase64URL(random.prefix(randomByteCount), into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The base64url text of a node tag, as it appears before the "." of the ids it makes.
    package static func encodeNodeTag(_ nodeTag: [UInt8]) -> String {
        var out: [UInt8] = []
        appendBase64URL(nodeTag, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The node tag (base64url text) of a well-formed tagged id, or nil for an untagged or
    /// malformed one.
    package static func nodeTag(of sid: String) -> Substring? {
        guard isWellFormed(sid), let dot = sid.utf8.firstIndex(of: separator) else { return nil }
        return sid[..<dot]
    }

    /// Whether `sid` has the shape `make` produces: 27 base64url characters, optionally after
    /// a non-empty base64url tag and ".". Cheap; lets endpoints reject junk before a lookup.
    package static func isWellFormed(_ sid: some StringProtocol) -> Bool {
        let maxTagLength = (maxNodeTagBytes * 4 + 2) / 3
        var length = 0
        var tagLength: Int? = nil
        for byte in sid.utf8 {
            if byte == separator {
                guard tagLength == nil, length > 0 else { return false }
                tagLength = length
                length = 0
            } else {
                guard isBase64URL(byte) else { return false }
                length &+= 1
                if length > maxTagLength && length > randomLength { return false }
            }
        }
        if let tagLength, tagLength > maxTagLength { return false }
        return length == randomLength
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// Appends unpadded base64url (RFC 4648 §5) of `bytes`.
    private static func appendBase64URL(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next(), b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 { out.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)]) }
            if let b2 { out.append(alphabet[Int(b2 & 0x3F)]) }
        }
    }
}

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
        // Three words, little-endian, of which the first 20 bytes are used.
        let words = (generator.next().littleEndian, generator.next().littleEndian, generator.next().littleEndian)
        let tagLength = nodeTag.isEmpty ? 0 : Base64.encodedURLCount(nodeTag.count) + 1
        return withUnsafeBytes(of: words) { random in
            String(unsafeUninitializedCapacity: tagLength + randomLength) { out in
                var count = 0
                if !nodeTag.isEmpty {
                    Base64.encode(nodeTag, url: true, padded: false) { out[count] = $0; count &+= 1 }
                    out[count] = separator
                    count &+= 1
                }
                Base64.encode(random.prefix(randomByteCount), url: true, padded: false) { out[count] = $0; count &+= 1 }
                return count
            }
        }
    }

    /// The base64url text of a node tag, as it appears before the "." of the ids it makes.
    package static func encodeNodeTag(_ nodeTag: [UInt8]) -> String {
        Base64.encodeURL(nodeTag)
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

    private static func isBase64URL(_ byte: UInt8) -> Bool { Base64.value(of: byte, url: true) != 0xFF }
}

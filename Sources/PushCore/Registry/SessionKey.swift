/// A session id as the registry keys it: the id's text, owned (what the registry stores) or
/// borrowed (a lookup by the bytes of a request's query, which makes no String). Both hash and
/// compare on the UTF-8 bytes, so either finds the other.
///
/// The hash takes the length and the last eight bytes, mixed by the dictionary's seeded
/// hasher: ids end in CSPRNG output, and SipHash over the whole id cost more than the rest of
/// a lookup. Ids that share their last eight bytes only share a bucket; equality reads them all.
///
/// Unchecked Sendable: a borrowed key lives for one lookup, inside the call that lent the
/// bytes, and is never stored (`SessionRegistry` stores owned keys only).
struct SessionKey: Hashable, @unchecked Sendable {
    private enum Text {
        case owned(String)
        case borrowed(UnsafeBufferPointer<UInt8>)
    }

    private let text: Text

    init(_ id: String) { text = .owned(id) }

    /// Valid while `bytes` is: look up with it, never store it.
    init(borrowing bytes: UnsafeBufferPointer<UInt8>) { text = .borrowed(bytes) }

    /// The id, when owned (every stored key); "" for a borrowed one.
    var id: String {
        if case .owned(let id) = text { return id }
        return ""
    }

    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch text {
        case .owned(let id): HTTPBytes.withUTF8Bytes(of: id, body)
        case .borrowed(let bytes): body(bytes)
        }
    }

    static func == (a: SessionKey, b: SessionKey) -> Bool {
        a.withBytes { x in
            b.withBytes { y in
                guard x.count == y.count else { return false }
                guard let p = x.baseAddress, let q = y.baseAddress else { return true }
                return HTTPBytes.equal(UnsafeRawPointer(p), UnsafeRawPointer(q), count: x.count)
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(lastWord)
    }

    /// The last eight bytes (fewer: zero-filled) and the length, as one word: what the hash and
    /// the registry's shard take.
    @inline(__always)
    var lastWord: UInt64 {
        withBytes { bytes in
            var word = UInt64(truncatingIfNeeded: bytes.count) << 56
            if let base = bytes.baseAddress {
                if bytes.count >= 8 {
                    word ^= UnsafeRawPointer(base + bytes.count - 8).loadUnaligned(as: UInt64.self)
                } else {
                    for byte in bytes { word = word << 8 ^ UInt64(byte) }
                }
            }
            return word
        }
    }
}

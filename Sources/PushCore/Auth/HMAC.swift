/// HMAC (RFC 2104) over any SHA-2 hash. The key is folded into the inner and outer hashes once,
/// at `init`; copy a keyed value to authenticate many messages without redoing that work.
package struct HMAC<Hash: HashFunction>: Sendable {
    /// Bytes in an authentication code.
    package static var byteCount: Int { Hash.digestByteCount }

    /// The hash after `key XOR ipad`, then any message bytes given so far.
    private var inner: Hash
    /// The hash after `key XOR opad`.
    private let outer: Hash

    /// An HMAC keyed with `key`; keys longer than a block are hashed first (RFC 2104 §2).
    package init(key: UnsafeRawBufferPointer) {
        let blockSize = Hash.blockByteCount
        var inner = Hash()
        var outer = Hash()
        withUnsafeTemporaryAllocation(byteCount: blockSize, alignment: 8) { pad in
            pad.initializeMemory(as: UInt8.self, repeating: 0)
            if key.count > blockSize {
                Hash.hash(key).withUnsafeBytes { pad.copyMemory(from: $0) }
            } else {
                pad.copyMemory(from: key)
            }
            for index in 0..<blockSize { pad[index] ^= 0x36 }
            inner.update(UnsafeRawBufferPointer(pad))
            // 0x36 ^ 0x5C turns the inner pad into the outer one.
            for index in 0..<blockSize { pad[index] ^= 0x36 ^ 0x5C }
            outer.update(UnsafeRawBufferPointer(pad))
        }
        self.inner = inner
        self.outer = outer
    }

    /// An HMAC keyed with `key`.
    package init(key: [UInt8]) {
        self = key.withUnsafeBytes { HMAC(key: $0) }
    }

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        inner.update(bytes)
    }

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: [UInt8]) {
        inner.update(bytes)
    }

    /// The authentication code of everything given so far; the value is unchanged.
    package func finalize() -> [UInt8] {
        var outer = self.outer
        // The inner digest stays on the stack: 64 bytes is the largest.
        withUnsafeTemporaryAllocation(byteCount: Hash.digestByteCount, alignment: 8) { digest in
            inner.finalize(into: digest)
            outer.update(UnsafeRawBufferPointer(digest))
        }
        return outer.finalize()
    }

    /// The authentication code of `message` under this key, leaving this value as it was.
    package func authenticationCode(for message: UnsafeRawBufferPointer) -> [UInt8] {
        var copy = self
        copy.update(message)
        return copy.finalize()
    }

    /// The authentication code of `message` under this key, leaving this value as it was.
    package func authenticationCode(for message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticationCode(for: $0) }
    }

    /// The authentication code of `message` under `key`.
    package static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        HMAC(key: key).authenticationCode(for: message)
    }
}

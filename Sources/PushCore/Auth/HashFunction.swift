/// A FIPS 180-4 hash: fed with `update` as often as needed, read with `finalize`. HMAC works
/// over any of them.
package protocol HashFunction: Sendable {
    /// Bytes in a digest.
    static var digestByteCount: Int { get }
    /// Bytes in one input block (HMAC pads its key to this size).
    static var blockByteCount: Int { get }
    /// A hash of nothing yet.
    init()
    /// Appends `bytes` to the message.
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// Writes the digest of everything given so far into the first `digestByteCount` bytes of
    /// `digest`; the hash itself is unchanged, so more input may follow.
    func finalize(into digest: UnsafeMutableRawBufferPointer)
}

extension HashFunction {
    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything given so far; the hash is unchanged, so more input may follow.
    package func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { buffer, count in
            finalize(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.digestByteCount
        }
    }

    /// The digest of `bytes`.
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = Self()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of `bytes`.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The digest of `bytes`.
    package static func hash(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }
}

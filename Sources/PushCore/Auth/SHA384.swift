/// SHA-384 (FIPS 180-4 §6.5): SHA-512's compression from its own initial value, keeping the
/// first 48 bytes.
package struct SHA384: HashFunction {
    /// Bytes in a digest.
    package static let digestByteCount = 48
    /// Bytes in one input block.
    package static let blockByteCount = 128

    private var hasher = SHA2Hasher<SHA384Compression>()

    /// A hash of nothing yet.
    package init() {}

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bytes)
    }

    /// Writes the 48-byte digest into the start of `digest` (at least 48 bytes); the hash is unchanged.
    package func finalize(into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= Self.digestByteCount, "SHA384 digest buffer too small")
        SHA512Compression.store(hasher.finalState(), words: 6, into: digest)
    }
}

/// SHA-512's compression with SHA-384's initial value.
enum SHA384Compression: SHA2Compression {
    typealias State = SHA512Compression.State

    static let initialState: State = (0xCBBB_9D5D_C105_9ED8, 0x629A_292A_367C_D507, 0x9159_015A_3070_DD17,
                                      0x152F_ECD8_F70E_5939, 0x6733_2667_FFC0_0B31, 0x8EB4_4A87_6858_1511,
                                      0xDB0C_2E0D_64F9_8FA7, 0x47B5_481D_BEFA_4FA4)
    static let blockByteCount = SHA512Compression.blockByteCount
    static let lengthByteCount = SHA512Compression.lengthByteCount

    static func compress(_ state: inout State, blocks: UnsafeRawBufferPointer) {
        SHA512Compression.compress(&state, blocks: blocks)
    }
}

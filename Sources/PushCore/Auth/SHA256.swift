/// SHA-256 (FIPS 180-4 §6.2): `update` as often as needed, then `finalize`; or `SHA256.hash`.
package struct SHA256: HashFunction {
    /// Bytes in a digest.
    package static let digestByteCount = 32
    /// Bytes in one input block.
    package static let blockByteCount = 64

    private var hasher = SHA2Hasher<SHA256Compression>()

    /// A hash of nothing yet.
    package init() {}

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bytes)
    }

    /// Writes the 32-byte digest into the start of `digest` (at least 32 bytes); the hash is unchanged.
    package func finalize(into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= Self.digestByteCount, "SHA256 digest buffer too small")
        let h = hasher.finalState()
        digest.storeBytes(of: h.0.bigEndian, toByteOffset: 0, as: UInt32.self)
        digest.storeBytes(of: h.1.bigEndian, toByteOffset: 4, as: UInt32.self)
        digest.storeBytes(of: h.2.bigEndian, toByteOffset: 8, as: UInt32.self)
        digest.storeBytes(of: h.3.bigEndian, toByteOffset: 12, as: UInt32.self)
        digest.storeBytes(of: h.4.bigEndian, toByteOffset: 16, as: UInt32.self)
        digest.storeBytes(of: h.5.bigEndian, toByteOffset: 20, as: UInt32.self)
        digest.storeBytes(of: h.6.bigEndian, toByteOffset: 24, as: UInt32.self)
        digest.storeBytes(of: h.7.bigEndian, toByteOffset: 28, as: UInt32.self)
    }
}

/// The 32-bit SHA-2 compression function (FIPS 180-4 §6.2.2).
enum SHA256Compression: SHA2Compression {
    typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    static let initialState: State = (0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A,
                                      0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19)
    static let blockByteCount = 64
    static let lengthByteCount = 8

    /// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428A_2F98, 0x7137_4491, 0xB5C0_FBCF, 0xE9B5_DBA5, 0x3956_C25B, 0x59F1_11F1, 0x923F_82A4, 0xAB1C_5ED5,
        0xD807_AA98, 0x1283_5B01, 0x2431_85BE, 0x550C_7DC3, 0x72BE_5D74, 0x80DE_B1FE, 0x9BDC_06A7, 0xC19B_F174,
        0xE49B_69C1, 0xEFBE_4786, 0x0FC1_9DC6, 0x240C_A1CC, 0x2DE9_2C6F, 0x4A74_84AA, 0x5CB0_A9DC, 0x76F9_88DA,
        0x983E_5152, 0xA831_C66D, 0xB003_27C8, 0xBF59_7FC7, 0xC6E0_0BF3, 0xD5A7_9147, 0x06CA_6351, 0x1429_2967,
        0x27B7_0A85, 0x2E1B_2138, 0x4D2C_6DFC, 0x5338_0D13, 0x650A_7354, 0x766A_0ABB, 0x81C2_C92E, 0x9272_2C85,
        0xA2BF_E8A1, 0xA81A_664B, 0xC24B_8B70, 0xC76C_51A3, 0xD192_E819, 0xD699_0624, 0xF40E_3585, 0x106A_A070,
        0x19A4_C116, 0x1E37_6C08, 0x2748_774C, 0x34B0_BCB5, 0x391C_0CB3, 0x4ED8_AA4A, 0x5B9C_CA4F, 0x682E_6FF3,
        0x748F_82EE, 0x78A5_636F, 0x84C8_7814, 0x8CC7_0208, 0x90BE_FFFA, 0xA450_6CEB, 0xBEF9_A3F7, 0xC671_78F2,
    ]

    static func compress(_ state: inout State, blocks: UnsafeRawBufferPointer) {
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var (h0, h1, h2, h3, h4, h5, h6, h7) = state
                var start = 0
                while start < blocks.count {
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: start &+ t &* 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t &- 15], y = w[t &- 2]
                        let s0 = rotateRight(x, 7) ^ rotateRight(x, 18) ^ (x &>> 3)
                        let s1 = rotateRight(y, 17) ^ rotateRight(y, 19) ^ (y &>> 10)
                        w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in 0..<64 {
                        let t1 = h &+ (rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25))
                            &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                        let t2 = (rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22))
                            &+ ((a & b) ^ (a & c) ^ (b & c))
                        h = g
                        g = f
                        f = e
                        e = d &+ t1
                        d = c
                        c = b
                        b = a
                        a = t1 &+ t2
                    }
                    h0 &+= a
                    h1 &+= b
                    h2 &+= c
                    h3 &+= d
                    h4 &+= e
                    h5 &+= f
                    h6 &+= g
                    h7 &+= h
                    start &+= 64
                }
                state = (h0, h1, h2, h3, h4, h5, h6, h7)
            }
        }
    }

    @inline(__always)
    private static func rotateRight(_ x: UInt32, _ n: UInt32) -> UInt32 {
        x &>> n | x &<< (32 &- n)
    }
}


/// SHA-1 (FIPS 180-4), needed only for the WebSocket accept value. Not for security uses.
package enum SHA1 {
    /// The 20-byte SHA-1 digest of `bytes`.
    package static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        // Blocks are gathered on the stack and padded there: no copy of the message is made.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { block in
            var filled = 0
            for byte in bytes {
                block[filled] = byte
                filled &+= 1
                if filled == 64 {
                    compress(&state, UnsafeRawPointer(block.baseAddress!))
                    filled = 0
                }
            }
            // 0x80, zeros to 56 mod 64 (over a block boundary if need be), the bit length.
            block[filled] = 0x80
            filled &+= 1
            if filled > 56 {
                for i in filled..<64 { block[i] = 0 }
                compress(&state, UnsafeRawPointer(block.baseAddress!))
                filled = 0
            }
            for i in filled..<56 { block[i] = 0 }
            let bitLength = UInt64(truncatingIfNeeded: bytes.count) &* 8
            for i in 0..<8 { block[56 &+ i] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 &- 8 &* i)) }
            compress(&state, UnsafeRawPointer(block.baseAddress!))
        }
        return [UInt8](unsafeUninitializedCapacity: 20) { digest, count in
            let raw = UnsafeMutableRawPointer(digest.baseAddress!)
            raw.storeBytes(of: state.0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: state.1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: state.2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: state.3.bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: state.4.bigEndian, toByteOffset: 16, as: UInt32.self)
            count = 20
        }
    }

    /// One 64-byte block into the state: the 80 rounds five at a time, each round's roles
    /// passed on by argument order rather than by moving five registers, over a 16-word
    /// window of the message schedule.
    private static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 &* t, as: UInt32.self)) }
            var a = state.0, b = state.1, c = state.2, d = state.3, e = state.4
            @inline(__always) func word(_ t: Int) -> UInt32 {
                if t < 16 { return w[t] }
                let next = rotateLeft(w[(t &- 3) & 15] ^ w[(t &- 8) & 15] ^ w[(t &- 14) & 15] ^ w[t & 15], 1)
                w[t & 15] = next
                return next
            }
            /// Five rounds from `t`: after them the roles are back where they started.
            @inline(__always) func five(_ t: Int, _ k: UInt32, _ f: (UInt32, UInt32, UInt32) -> UInt32) {
                e &+= rotateLeft(a, 5) &+ f(b, c, d) &+ k &+ word(t)
                b = rotateLeft(b, 30)
                d &+= rotateLeft(e, 5) &+ f(a, b, c) &+ k &+ word(t &+ 1)
                a = rotateLeft(a, 30)
                c &+= rotateLeft(d, 5) &+ f(e, a, b) &+ k &+ word(t &+ 2)
                e = rotateLeft(e, 30)
                b &+= rotateLeft(c, 5) &+ f(d, e, a) &+ k &+ word(t &+ 3)
                d = rotateLeft(d, 30)
                a &+= rotateLeft(b, 5) &+ f(c, d, e) &+ k &+ word(t &+ 4)
                c = rotateLeft(c, 30)
            }
            for t in stride(from: 0, to: 20, by: 5) { five(t, 0x5A82_7999) { x, y, z in z ^ (x & (y ^ z)) } }
            for t in stride(from: 20, to: 40, by: 5) { five(t, 0x6ED9_EBA1) { x, y, z in x ^ y ^ z } }
            for t in stride(from: 40, to: 60, by: 5) { five(t, 0x8F1B_BCDC) { x, y, z in (x & y) | (z & (x | y)) } }
            for t in stride(from: 60, to: 80, by: 5) { five(t, 0xCA62_C1D6) { x, y, z in x ^ y ^ z } }
            state.0 &+= a
            state.1 &+= b
            state.2 &+= c
            state.3 &+= d
            state.4 &+= e
        }
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt32, _ n: UInt32) -> UInt32 {
        x << n | x >> (32 - n)
    }
}

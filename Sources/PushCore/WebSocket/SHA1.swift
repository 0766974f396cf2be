
/// SHA-1 (FIPS 180-4), needed only for the WebSocket accept value. Not for security uses.
package enum SHA1 {
    /// A digest as the five state words, kept inline: no array for the 20 bytes.
    package struct Digest: Sendable, Equatable {
        package var h0, h1, h2, h3, h4: UInt32

        static let initial = Digest(h0: 0x6745_2301, h1: 0xEFCD_AB89, h2: 0x98BA_DCFE, h3: 0x1032_5476, h4: 0xC3D2_E1F0)

        /// Byte `i` (0..<20) of the digest, big-endian words in order.
        @inline(__always)
        package subscript(i: Int) -> UInt8 {
            let word: UInt32
            switch i >> 2 {
            case 0: word = h0
            case 1: word = h1
            case 2: word = h2
            case 3: word = h3
            default: word = h4
            }
            return UInt8(truncatingIfNeeded: word >> (24 &- 8 &* UInt32(i & 3)))
        }

        /// The 20 bytes.
        package var bytes: [UInt8] { (0..<20).map { self[$0] } }
    }

    /// The digest of `bytes`: whole blocks straight from the buffer, the last one padded on
    /// the stack.
    package static func digest(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var state = Digest.initial
        var offset = 0
        while bytes.count &- offset >= 64 {
            compress(&state, bytes.baseAddress! + offset)
            offset &+= 64
        }
        let rest = bytes.count &- offset
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { block in
            let raw = UnsafeMutableRawPointer(block.baseAddress!)
            if rest > 0 { raw.copyMemory(from: bytes.baseAddress! + offset, byteCount: rest) }
            // 0x80, zeros to 56 mod 64 (over a block boundary if need be), the bit length.
            block[rest] = 0x80
            var filled = rest &+ 1
            if filled > 56 {
                for i in filled..<64 { block[i] = 0 }
                compress(&state, UnsafeRawPointer(raw))
                filled = 0
            }
            for i in filled..<56 { block[i] = 0 }
            raw.storeBytes(of: (UInt64(truncatingIfNeeded: bytes.count) &* 8).bigEndian, toByteOffset: 56, as: UInt64.self)
            compress(&state, UnsafeRawPointer(raw))
        }
        return state
    }

    /// The 20-byte SHA-1 digest of `bytes`.
    package static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        let result: Digest = bytes.withContiguousStorageIfAvailable { buffer in digest(UnsafeRawBufferPointer(buffer)) }
            ?? Array(bytes).withUnsafeBytes { buffer in digest(buffer) }
        return result.bytes
    }

    /// One 64-byte block into the state: the 80 rounds five at a time, each round's roles
    /// passed on by argument order rather than by moving five registers, over a 16-word
    /// window of the message schedule. Every round is written out, so each word's place in
    /// the window is known when compiled.
    private static func compress(_ state: inout Digest, _ block: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 &* t, as: UInt32.self)) }
            var a = state.h0, b = state.h1, c = state.h2, d = state.h3, e = state.h4
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
            @inline(__always) func choose(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { z ^ (x & (y ^ z)) }
            @inline(__always) func parity(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ y ^ z }
            @inline(__always) func majority(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) | (z & (x | y)) }
            five(0, 0x5A82_7999, choose); five(5, 0x5A82_7999, choose)
            five(10, 0x5A82_7999, choose); five(15, 0x5A82_7999, choose)
            five(20, 0x6ED9_EBA1, parity); five(25, 0x6ED9_EBA1, parity)
            five(30, 0x6ED9_EBA1, parity); five(35, 0x6ED9_EBA1, parity)
            five(40, 0x8F1B_BCDC, majority); five(45, 0x8F1B_BCDC, majority)
            five(50, 0x8F1B_BCDC, majority); five(55, 0x8F1B_BCDC, majority)
            five(60, 0xCA62_C1D6, parity); five(65, 0xCA62_C1D6, parity)
            five(70, 0xCA62_C1D6, parity); five(75, 0xCA62_C1D6, parity)
            state.h0 &+= a
            state.h1 &+= b
            state.h2 &+= c
            state.h3 &+= d
            state.h4 &+= e
        }
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt32, _ n: UInt32) -> UInt32 {
        x << n | x >> (32 - n)
    }
}

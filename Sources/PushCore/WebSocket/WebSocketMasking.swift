
/// XOR masking of client payloads (RFC 6455 §5.3), 8 bytes per step.
enum WebSocketMasking {
    /// Writes `source` XOR the mask into `destination` (same count; they may be the same
    /// memory). `key` holds the 4 key bytes with the first in the top bits; `phase` is the
    /// payload offset of `source[0]`, which selects where in the key to start.
    static func unmask(_ destination: UnsafeMutableRawBufferPointer, from source: UnsafeRawBufferPointer, key: UInt32, phase: Int) {
        guard let target = destination.baseAddress, let origin = source.baseAddress else { return }
        let count = min(destination.count, source.count)
        let rotated = rotatedKey(key, phase: phase)
        let word = maskWord(rotated)
        var index = 0
        while index + 8 <= count {
            let value = origin.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            target.storeBytes(of: value ^ word, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            let keyByte = UInt8(truncatingIfNeeded: rotated >> (24 - UInt32(index & 3) * 8))
            let value = origin.load(fromByteOffset: index, as: UInt8.self)
            target.storeBytes(of: value ^ keyByte, toByteOffset: index, as: UInt8.self)
            index += 1
        }
    }

    /// `unmask` of a whole payload (phase 0) where it lies, telling whether every byte unmasked
    /// is ASCII: such text needs no UTF-8 check, and most JSON is. 16 bytes per step (written
    /// as vectors, which keeps the compiler from adding its own vector loop and the set-up
    /// that costs more than a short message); past them, the last bytes go in one 8-byte step
    /// that ends the payload, its first bytes (already done) left as they are.
    static func unmaskInPlaceCheckingASCII(_ bytes: UnsafeMutableRawBufferPointer, key: UInt32) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        guard count >= 8 else {
            var seen: UInt8 = 0
            for index in 0..<count {
                let keyByte = UInt8(truncatingIfNeeded: key >> (24 &- UInt32(index & 3) &* 8))
                let value = base.load(fromByteOffset: index, as: UInt8.self) ^ keyByte
                base.storeBytes(of: value, toByteOffset: index, as: UInt8.self)
                seen |= value
            }
            return seen & 0x80 == 0
        }
        let word = maskWord(key)
        let pair = SIMD2(repeating: word)
        var seenPairs = SIMD2<UInt64>(repeating: 0)
        var index = 0
        while index &+ 16 <= count {
            let value = base.loadUnaligned(fromByteOffset: index, as: SIMD2<UInt64>.self) ^ pair
            base.storeBytes(of: value, toByteOffset: index, as: SIMD2<UInt64>.self)
            seenPairs |= value
            index &+= 16
        }
        var seen = seenPairs[0] | seenPairs[1]
        if index &+ 8 <= count {
            let value = base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ word
            base.storeBytes(of: value, toByteOffset: index, as: UInt64.self)
            seen |= value
            index &+= 8
        }
        let tail = count &- index
        if tail > 0 {
            let last = count &- 8
            // The word's last `tail` bytes in memory, whatever the byte order.
            let fresh = (UInt64.max &<< UInt64(8 &* (8 &- tail))).littleEndian
            let value = base.loadUnaligned(fromByteOffset: last, as: UInt64.self) ^ (maskWord(rotatedKey(key, phase: last)) & fresh)
            base.storeBytes(of: value, toByteOffset: last, as: UInt64.self)
            seen |= value
        }
        return seen & 0x8080_8080_8080_8080 == 0
    }

    /// The key as it applies from payload offset `phase` on (first byte in the top bits).
    @inline(__always)
    private static func rotatedKey(_ key: UInt32, phase: Int) -> UInt32 {
        let shift = UInt32(phase & 3) * 8
        return shift == 0 ? key : key << shift | key >> (32 - shift)
    }

    /// A rotated key as 8 bytes in memory order: the key bytes repeat every 4, so one word
    /// covers 8.
    @inline(__always)
    private static func maskWord(_ rotated: UInt32) -> UInt64 {
        let word32 = rotated.bigEndian
        return UInt64(word32) | UInt64(word32) << 32
    }
}

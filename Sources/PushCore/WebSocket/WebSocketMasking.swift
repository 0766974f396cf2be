
/// XOR masking of client payloads (RFC 6455 §5.3), 8 bytes per step.
enum WebSocketMasking {
    /// Writes `source` XOR the mask into `destination` (same count; they may be the same
    /// memory). `key` holds the 4 key bytes with the first in the top bits; `phase` is the
    /// payload offset of `source[0]`, which selects where in the key to start.
    static func unmask(_ destination: UnsafeMutableRawBufferPointer, from source: UnsafeRawBufferPointer, key: UInt32, phase: Int) {
        guard let target = destination.baseAddress, let origin = source.baseAddress else { return }
        let count = min(destination.count, source.count)
        let shift = UInt32(phase & 3) * 8
        let rotated = shift == 0 ? key : key << shift | key >> (32 - shift)
        // In memory order the key bytes repeat every 4 bytes, so one 64-bit word covers 8.
        let word32 = rotated.bigEndian
        let word = UInt64(word32) | UInt64(word32) << 32
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
}

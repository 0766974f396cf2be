/// One SHA-2 compression function: the state it updates and how it consumes whole blocks.
protocol SHA2Compression {
    /// The chaining value (eight words).
    associatedtype State: Sendable
    /// The initial chaining value.
    static var initialState: State { get }
    /// Bytes per block: 64 for SHA-256, 128 for SHA-384/512.
    static var blockByteCount: Int { get }
    /// Bytes of the message length at the end of the padding: 8 or 16.
    static var lengthByteCount: Int { get }
    /// Folds `blocks` (a whole number of blocks) into `state`.
    static func compress(_ state: inout State, blocks: UnsafeRawBufferPointer)
}

/// The partial block, length count and padding shared by the SHA-2 hashes (FIPS 180-4 §5.1).
/// The partial block lives inline, so making, copying and feeding a hasher never allocates.
struct SHA2Hasher<Compression: SHA2Compression>: Sendable {
    private(set) var state = Compression.initialState
    /// Room for one block of the largest size (128 bytes).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                          UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Bytes waiting in `pending` for the block to fill.
    private var pendingCount = 0
    /// Message bytes given so far.
    private var byteCount: UInt64 = 0

    init() {}

    mutating func update(_ input: UnsafeRawBufferPointer) {
        guard !input.isEmpty else { return }
        let blockSize = Compression.blockByteCount
        byteCount &+= UInt64(input.count)
        var offset = 0
        if pendingCount > 0 {
            let start = pendingCount
            let take = min(blockSize - start, input.count)
            withUnsafeMutableBytes(of: &pending) { buffer in
                UnsafeMutableRawBufferPointer(rebasing: buffer[start..<start + take])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[0..<take]))
            }
            pendingCount += take
            offset = take
            guard pendingCount == blockSize else { return }
            let block = pending
            withUnsafeBytes(of: block) { buffer in
                Compression.compress(&state, blocks: UnsafeRawBufferPointer(rebasing: buffer[0..<blockSize]))
            }
            pendingCount = 0
        }
        // Whole blocks are compressed straight from the input, without copying.
        let wholeBytes = (input.count - offset) / blockSize * blockSize
        if wholeBytes > 0 {
            Compression.compress(&state, blocks: UnsafeRawBufferPointer(rebasing: input[offset..<offset + wholeBytes]))
            offset += wholeBytes
        }
        let rest = input.count - offset
        if rest > 0 {
            withUnsafeMutableBytes(of: &pending) { buffer in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<rest])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[offset...]))
            }
            pendingCount = rest
        }
    }

    /// The state after padding a copy of the message: 0x80, zeros, then the length in bits,
    /// big-endian. The hasher itself is unchanged.
    func finalState() -> Compression.State {
        let blockSize = Compression.blockByteCount
        let lengthOffset = blockSize - Compression.lengthByteCount
        var state = self.state
        var block = pending
        var used = pendingCount
        withUnsafeMutableBytes(of: &block) { buffer in
            buffer[used] = 0x80
            used += 1
            if used > lengthOffset {
                for index in used..<blockSize { buffer[index] = 0 }
                Compression.compress(&state, blocks: UnsafeRawBufferPointer(rebasing: buffer[0..<blockSize]))
                used = 0
            }
            for index in used..<blockSize - 8 { buffer[index] = 0 }
            if Compression.lengthByteCount == 16 {
                buffer.storeBytes(of: (byteCount >> 61).bigEndian, toByteOffset: blockSize - 16, as: UInt64.self)
            }
            buffer.storeBytes(of: (byteCount << 3).bigEndian, toByteOffset: blockSize - 8, as: UInt64.self)
            Compression.compress(&state, blocks: UnsafeRawBufferPointer(rebasing: buffer[0..<blockSize]))
        }
        return state
    }
}

/// Reads the control bytes at the front of a fuzz input; the bytes after them are what the
/// target feeds to the code under test. Past the end every read gives 0, so short inputs still
/// choose a configuration.
struct FuzzInput {
    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
    }

    /// The next control byte, or 0 once the input is used up.
    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads a chunk plan: one byte holding how many sizes follow (low 3 bits; 0 means "feed
    /// everything at once"), then one byte per size (1...255; 0 means "all that is left").
    mutating func chunkPlan() -> ChunkPlan {
        let count = Int(byte() & 7)
        var sizes: [Int] = []
        for _ in 0..<count {
            let size = Int(byte())
            sizes.append(size == 0 ? Int.max : size)
        }
        return ChunkPlan(sizes: sizes)
    }

    /// Everything after the control bytes read so far.
    var rest: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[min(position, bytes.count)...])
    }
}

/// Cuts a byte string into consecutive chunks, cycling through a list of sizes.
struct ChunkPlan {
    let sizes: [Int]

    /// Feeding everything in one piece.
    static let whole = ChunkPlan(sizes: [])

    /// The chunks of `bytes`, in order; never an empty chunk unless `bytes` is empty.
    func chunks(of bytes: UnsafeRawBufferPointer) -> [ArraySlice<UInt8>] {
        let all = Array(bytes)
        guard !sizes.isEmpty else { return [all[...]] }
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        var turn = 0
        while start < all.count {
            let size = sizes[turn % sizes.count]
            let end = size >= all.count - start ? all.count : start + size
            result.append(all[start..<end])
            start = end
            turn += 1
        }
        if result.isEmpty { result.append(all[...]) }
        return result
    }
}

/// Runs `body` on an exact-size heap copy of `bytes`, so ASan reports any read past the end
/// (a slice of a larger buffer would hide it).
@inline(never)
func withExactCopy<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
    defer { copy.deallocate() }
    bytes.withUnsafeBytes { source in
        if source.count > 0 { copy.copyMemory(from: source) }
    }
    return body(UnsafeRawBufferPointer(copy))
}

/// `withExactCopy` for code that may rewrite the bytes; also returns the bytes as left.
func withExactMutableCopy<R>(_ bytes: [UInt8], _ body: (UnsafeMutableRawBufferPointer) -> R) -> (R, [UInt8]) {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
    defer { copy.deallocate() }
    bytes.withUnsafeBytes { source in
        if source.count > 0 { copy.copyMemory(from: source) }
    }
    let result = body(copy)
    return (result, Array(copy))
}

/// Whether `bytes` is well-formed UTF-8, by the standard library's validator (an oracle
/// independent of the project's own validators).
func isWellFormedUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
    String(validating: Array(bytes), as: UTF8.self) != nil
}

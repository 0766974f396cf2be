/// An immutable, reference-counted run of bytes with a stable address.
///
/// Write queues hold chunks by reference, so one encoded broadcast frame is shared by every
/// recipient instead of copied, and a gathered send can point straight at it.
/// Unchecked Sendable: immutable once made (a raw pointer alone is not Sendable).
public final class ByteChunk: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let count: Int

    /// Copies `bytes` into a new chunk.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        var offset = 0
        for byte in bytes {
            storage.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
        base = UnsafeRawPointer(storage)
        count = bytes.count
    }

    /// Copies the contents of `array` (fast path for the common case).
    public init(_ array: [UInt8]) {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(array.count, 1), alignment: 16)
        array.withUnsafeBytes { source in
            if let address = source.baseAddress { storage.copyMemory(from: address, byteCount: source.count) }
        }
        base = UnsafeRawPointer(storage)
        count = array.count
    }

    /// Concatenates several byte arrays into one chunk (e.g. a frame header and its payload).
    public init(concatenating parts: [[UInt8]]) {
        let total = parts.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 16)
        var offset = 0
        for part in parts {
            part.withUnsafeBytes { source in
                if let address = source.baseAddress {
                    (storage + offset).copyMemory(from: address, byteCount: source.count)
                }
            }
            offset += part.count
        }
        base = UnsafeRawPointer(storage)
        count = total
    }

    /// A chunk of exactly `count` bytes written in place by `fill` (no intermediate array).
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        fill(UnsafeMutableRawBufferPointer(start: storage, count: count))
        base = UnsafeRawPointer(storage)
        self.count = count
    }

    deinit { UnsafeMutableRawPointer(mutating: base).deallocate() }

    /// The bytes as a buffer, valid while the chunk is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A copy of the bytes as an array (tests and slow paths).
    public var array: [UInt8] { Array(bytes) }
}

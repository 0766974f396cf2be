/// An immutable, reference-counted run of bytes with a stable address.
///
/// Write queues hold chunks by reference, so one encoded broadcast frame is shared by every
/// recipient instead of copied, and a gathered send can point straight at it. The bytes live in
/// the storage object's own allocation (one malloc per chunk, not two).
/// Unchecked Sendable: immutable once made.
public struct ByteChunk: @unchecked Sendable {
    /// The count in the header, the bytes as tail elements.
    @usableFromInline
    final class Storage: ManagedBuffer<Int, UInt8> {}

    @usableFromInline
    let storage: Storage

    @inlinable
    init(storage: Storage) { self.storage = storage }

    /// A chunk of exactly `count` bytes written in place by `fill` (no intermediate array).
    @inlinable
    public static func filled(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> ByteChunk {
        let made = unsafeDowncast(Storage.create(minimumCapacity: max(count, 1)) { _ in count }, to: Storage.self)
        made.withUnsafeMutablePointerToElements { fill(UnsafeMutableRawBufferPointer(start: $0, count: count)) }
        return ByteChunk(storage: made)
    }

    /// Copies `bytes` into a new chunk.
    @inlinable
    public static func copying(_ bytes: UnsafeRawBufferPointer) -> ByteChunk {
        filled(count: bytes.count) { out in
            if let source = bytes.baseAddress, bytes.count > 0 { out.baseAddress!.copyMemory(from: source, byteCount: bytes.count) }
        }
    }

    /// Copies the contents of `array` into a new chunk.
    @inlinable
    public static func copying(_ array: [UInt8]) -> ByteChunk {
        array.withUnsafeBytes { copying($0) }
    }

    /// Number of bytes. Read through the header's pointer: the `header` property is a class
    /// `var`, and each access to it would pay a runtime exclusivity check.
    @inlinable
    public var count: Int { storage.withUnsafeMutablePointerToHeader { $0.pointee } }

    /// Address of the first byte, stable while the chunk is alive.
    @inlinable
    public var base: UnsafeRawPointer { storage.withUnsafeMutablePointerToElements { UnsafeRawPointer($0) } }

    /// The bytes as a buffer, valid while the chunk is alive.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A copy of the bytes as an array (tests and slow paths).
    public var array: [UInt8] { Array(bytes) }
}

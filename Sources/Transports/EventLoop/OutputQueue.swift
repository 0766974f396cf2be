import PushCore

/// A connection's chunks waiting for the socket, oldest first, and how much of the first one
/// is written already.
///
/// Its own storage rather than an `Array`: appending to an array of references took three
/// calls into the runtime (uniqueness, capacity, append) and emptying it a fourth, together
/// about an eighth of a broadcast delivery's user-space instructions. Here both are inline.
/// The storage's capacity and count sit in its first 8 bytes, so the queue itself is 16 bytes,
/// what the array and its position took. Noncopyable: the chunks it holds are released once.
struct OutputQueue: ~Copyable {
    /// [capacity: Int32][count: Int32][chunk]…; nil until the first chunk.
    private var storage: UnsafeMutableRawPointer?
    /// The first chunk not fully written; those before it are released.
    private var head32: Int32 = 0
    /// Bytes of the first pending chunk already written.
    private var headOffset32: Int32 = 0

    /// Storage above this many chunks is given back once the queue empties.
    static let keptCapacity = 64

    init() {}

    deinit {
        if let storage { releasePending(storage) }
    }

    // MARK: Reading

    /// Whether every queued byte is written.
    var isEmpty: Bool { head == count }

    /// Chunks not fully written.
    var pendingCount: Int { count &- head }

    /// Bytes of the first pending chunk already written.
    var headOffset: Int { Int(headOffset32) }

    /// The pending chunks, first one included whole (skip `headOffset` of it).
    func withPendingChunks<Result>(_ body: (UnsafeBufferPointer<ByteChunk>) -> Result) -> Result {
        guard let storage else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(start: slots(storage) + head, count: count &- head))
    }

    // MARK: Changing

    mutating func append(_ chunk: consuming ByteChunk) {
        if storage == nil || count == capacity { makeRoom() }
        let storage = storage.unsafelyUnwrapped
        (slots(storage) + count).initialize(to: chunk)
        setCount(count &+ 1)
    }

    /// Takes `written` bytes off the front, releasing the chunks written whole.
    mutating func advance(by written: Int) {
        guard let storage else { return }
        var remaining = written
        var head = self.head
        var offset = headOffset
        let count = self.count
        let chunks = slots(storage)
        while remaining > 0 && head < count {
            let available = chunks[head].count &- offset
            if remaining >= available {
                remaining &-= available
                _ = (chunks + head).move()  // released here (deinitialize went through a value witness)
                head &+= 1
                offset = 0
            } else {
                offset &+= remaining
                remaining = 0
            }
        }
        head32 = Int32(truncatingIfNeeded: head)
        headOffset32 = Int32(truncatingIfNeeded: offset)
    }

    /// Resets the positions once all is written (giving large storage back), and moves a long
    /// tail down so the written slots are reused.
    mutating func compact() {
        guard let storage else { return }
        if head == count {
            if capacity > Self.keptCapacity {
                storage.deallocate()
                self.storage = nil
            } else {
                setCount(0)
            }
            head32 = 0
            headOffset32 = 0
        } else if head > Self.keptCapacity {
            moveDown(storage)
        }
    }

    /// Drops every pending chunk and the storage.
    mutating func removeAll() {
        guard let storage else { return }
        releasePending(storage)
        self.storage = nil
        head32 = 0
        headOffset32 = 0
    }

    // MARK: Storage

    private static let headerBytes = 8

    private var head: Int { Int(head32) }
    private var capacity: Int { storage.map { Int($0.load(as: Int32.self)) } ?? 0 }
    private var count: Int { storage.map { Int($0.load(fromByteOffset: 4, as: Int32.self)) } ?? 0 }

    private func setCount(_ newCount: Int) {
        storage?.storeBytes(of: Int32(truncatingIfNeeded: newCount), toByteOffset: 4, as: Int32.self)
    }

    private func slots(_ storage: UnsafeMutableRawPointer) -> UnsafeMutablePointer<ByteChunk> {
        (storage + Self.headerBytes).assumingMemoryBound(to: ByteChunk.self)
    }

    /// Releases the chunks not yet written and frees the storage.
    private func releasePending(_ storage: UnsafeMutableRawPointer) {
        slots(storage).advanced(by: head).deinitialize(count: count &- head)
        storage.deallocate()
    }

    /// Room for one more: written slots reused first, else twice the storage.
    private mutating func makeRoom() {
        if let storage, head > 0 {
            moveDown(storage)
            return
        }
        let newCapacity = max(4, capacity * 2)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: Self.headerBytes + newCapacity * MemoryLayout<ByteChunk>.stride,
                                                     alignment: MemoryLayout<ByteChunk>.alignment)
        grown.storeBytes(of: Int32(truncatingIfNeeded: newCapacity), as: Int32.self)
        grown.storeBytes(of: Int32(truncatingIfNeeded: count), toByteOffset: 4, as: Int32.self)
        (grown + Self.headerBytes).bindMemory(to: ByteChunk.self, capacity: newCapacity)
        if let storage {
            slots(grown).moveInitialize(from: slots(storage), count: count)
            storage.deallocate()
        }
        storage = grown
    }

    /// Moves the pending chunks to the front of the storage.
    private mutating func moveDown(_ storage: UnsafeMutableRawPointer) {
        let pending = count &- head
        slots(storage).moveInitialize(from: slots(storage) + head, count: pending)
        setCount(pending)
        head32 = 0
    }
}

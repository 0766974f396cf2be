import PushCore

/// A connection's chunks waiting for the socket, oldest first, and how much of the first one
/// is written already.
///
/// The first two chunks are held inline: a connection's usual queue is a frame or two (a reply,
/// a burst of broadcasts), and a broadcast to many reaches connections that are out of the
/// cache, where a block of its own would be one more line to miss, twice (queued, then sent).
/// A third chunk moves the queue to its own storage rather than an `Array`: appending to an
/// array of references took three calls into the runtime (uniqueness, capacity, append) and
/// emptying it a fourth; here both are inline. The storage's capacity and count sit in its
/// first 8 bytes. Noncopyable: the chunks it holds are released once.
struct OutputQueue: ~Copyable {
    /// [capacity: Int32][count: Int32][chunk]…; nil while the chunks fit inline. Once made, it
    /// is kept (up to `keptCapacity`): a connection that queued more than two chunks will again.
    private var storage: UnsafeMutableRawPointer?
    /// With storage: the first chunk not fully written; those before it are released.
    private var head32: Int32 = 0
    /// Bytes of the first pending chunk already written.
    private var headOffset32: Int32 = 0
    /// Without storage: the pending chunks, `first` taken before `second`.
    private var first: ByteChunk?
    private var second: ByteChunk?

    /// Storage above this many chunks is given back once the queue empties.
    static let keptCapacity = 64

    init() {}

    deinit {
        if let storage { releasePending(storage) }
    }

    // MARK: Reading

    /// Whether every queued byte is written.
    var isEmpty: Bool { storage == nil ? first == nil : head == count }

    /// Chunks not fully written.
    var pendingCount: Int {
        if storage == nil { return first == nil ? 0 : second == nil ? 1 : 2 }
        return count &- head
    }

    /// Bytes of the first pending chunk already written.
    var headOffset: Int { Int(headOffset32) }

    /// The unwritten bytes of the pending chunk at `index` (0 is the first: its written part
    /// skipped). Valid while the chunk is queued.
    func pendingBytes(_ index: Int) -> UnsafeRawBufferPointer {
        let skip = index == 0 ? headOffset : 0
        if let storage {
            let chunk = slots(storage) + (head &+ index)
            return UnsafeRawBufferPointer(start: chunk.pointee.base + skip, count: chunk.pointee.count &- skip)
        }
        let chunk = index == 0 ? first.unsafelyUnwrapped : second.unsafelyUnwrapped
        return UnsafeRawBufferPointer(start: chunk.base + skip, count: chunk.count &- skip)
    }

    // MARK: Changing

    @inline(__always)
    mutating func append(_ chunk: consuming ByteChunk) {
        if storage == nil {
            if first == nil {
                first = chunk
                return
            }
            if second == nil {
                second = chunk
                return
            }
            spill()
        }
        if count == capacity { makeRoom() }
        let storage = storage.unsafelyUnwrapped
        (slots(storage) + count).initialize(to: chunk)
        setCount(count &+ 1)
    }

    /// Takes `written` bytes off the front, releasing the chunks written whole.
    mutating func advance(by written: Int) {
        guard let storage else {
            advanceInline(by: written)
            return
        }
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

    private mutating func advanceInline(by written: Int) {
        var remaining = written
        var offset = headOffset
        while remaining > 0 && first != nil {
            let available = first.unsafelyUnwrapped.count &- offset
            if remaining >= available {
                remaining &-= available
                first = second.take()  // the written one is released here
                offset = 0
            } else {
                offset &+= remaining
                remaining = 0
            }
        }
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
        first = nil
        second = nil
        headOffset32 = 0
        guard let storage else { return }
        releasePending(storage)
        self.storage = nil
        head32 = 0
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

    /// Moves the two inline chunks to storage of their own, for a third.
    private mutating func spill() {
        makeRoom()
        let chunks = slots(storage.unsafelyUnwrapped)
        chunks.initialize(to: first.take().unsafelyUnwrapped)
        (chunks + 1).initialize(to: second.take().unsafelyUnwrapped)
        setCount(2)
    }

    /// Moves the pending chunks to the front of the storage.
    private mutating func moveDown(_ storage: UnsafeMutableRawPointer) {
        let pending = count &- head
        slots(storage).moveInitialize(from: slots(storage) + head, count: pending)
        setCount(pending)
        head32 = 0
    }
}
